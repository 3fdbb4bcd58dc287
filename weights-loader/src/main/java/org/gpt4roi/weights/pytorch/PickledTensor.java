package org.gpt4roi.weights.pytorch;

/**
 * A tensor as {@code torch._utils._rebuild_tensor_v2(storage, offset, size, stride, ...)} describes it:
 * a strided view (in elements) on a storage.
 */
record PickledTensor(StorageRef storage, long storageOffset, int[] shape, long[] stride) {}
