package org.gpt4roi.kernels.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/** The vector shapes the cpu kernels use (the platform's preferred species). */
final class CpuVectors {
    private CpuVectors() {}
    static final VectorSpecies<Float> FLOATS = FloatVector.SPECIES_PREFERRED;
}
