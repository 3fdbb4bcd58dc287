package org.gpt4roi.model;

import java.util.LinkedHashMap;
import java.util.Map;
import org.gpt4roi.kernels.Backend;
import org.gpt4roi.tensor.Probe;
import org.gpt4roi.tensor.Tensor;

/** A {@link Probe} that downloads every tensor it is shown to a host F32 copy, by name (for {@code dump} and tests). */
public final class TensorCollector implements Probe {
    private final Backend backend;
    private final Map<String, Tensor> tensors = new LinkedHashMap<>();

    public TensorCollector(Backend backend) { this.backend = backend; }

    @Override public void accept(String name, Tensor t) { tensors.put(name, backend.download(t)); }

    /** Adds a host tensor as is (ids, metadata-like tensors). */
    public void put(String name, Tensor host) { tensors.put(name, host); }

    public Map<String, Tensor> tensors() { return tensors; }

    public Tensor get(String name) { return tensors.get(name); }
}
