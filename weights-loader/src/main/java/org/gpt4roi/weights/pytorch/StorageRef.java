package org.gpt4roi.weights.pytorch;

import org.gpt4roi.tensor.DType;

/**
 * A storage as the pickle names it: persistent id {@code ('storage', torch.HalfStorage, key, location, numel)};
 * its bytes are the zip entry {@code <archive>/data/<key>}.
 */
record StorageRef(String key, DType dtype, long numel) {}
