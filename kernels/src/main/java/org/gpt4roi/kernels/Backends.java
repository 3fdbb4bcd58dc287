package org.gpt4roi.kernels;

import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;
import org.gpt4roi.tensor.ConfigException;

/** Finds backends by name. */
public final class Backends {
    private Backends() {}

    /** The backends on the class path, by name. */
    public static List<String> names() {
        List<String> names = new ArrayList<>();
        for (BackendProvider p : ServiceLoader.load(BackendProvider.class)) names.add(p.name());
        return names;
    }

    /** Starts the named backend; an unknown name is a {@link ConfigException} listing the known ones. */
    public static Backend create(String name, int threads, int device) {
        for (BackendProvider p : ServiceLoader.load(BackendProvider.class))
            if (p.name().equals(name)) return p.create(threads, device);
        throw new ConfigException("unknown backend '" + name + "'; available: " + String.join(", ", names()));
    }

    /** The default: the cpu backend on every core. */
    public static Backend cpu() { return create("cpu", 0, 0); }
}
