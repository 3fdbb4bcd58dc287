package org.gpt4roi.vit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.concurrent.atomic.AtomicInteger;
import org.gpt4roi.kernels.Backend;
import org.gpt4roi.kernels.Backends;
import org.gpt4roi.tensor.ModelFileException;
import org.gpt4roi.tensor.Tensor;
import org.gpt4roi.weights.SafeTensors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The tiny CLIP tower (width 48, 24 layers) and mm_projector against the reference goldens:
 * hidden states 0, 14, 17, 20, 23 and image_tokens within normwise 5e-5, from our own pixel values.
 */
class VisionTowerTest {
    private static final int[] GOLDEN_STATES = {0, 14, 17, 20, 23};

    private static Backend backend;
    private static SafeTensors clipWeights, modelWeights;
    private static ClipConfig config;

    @BeforeAll
    static void open() {
        backend = Backends.cpu();
        config = ClipConfig.load(Fixtures.clipDir());
        clipWeights = SafeTensors.open(Fixtures.clipDir().resolve("model.safetensors"));
        modelWeights = SafeTensors.open(Fixtures.modelWeights());
    }

    @AfterAll
    static void close() {
        clipWeights.close();
        modelWeights.close();
        backend.close();
    }

    @ParameterizedTest
    @CsvSource({"case-a, extreme_ironing.rgb.png", "case-b, shapes.png", "case-a, extreme_ironing.jpg"})
    void hiddenStatesAndImageTokensMatchGolden(String caseName, String image) {
        Tensor pixels = ClipPreprocessor.pixelValues(RgbImage.read(Fixtures.caseDir(caseName).resolve(image)));
        VisionTower tower = new VisionTower(config, clipWeights, backend);
        ImageProjector projector = new ImageProjector(modelWeights, backend, config.hiddenSize(), 64);
        Tensor[] states = tower.hiddenStates(pixels, GOLDEN_STATES);
        try (SafeTensors golden = Fixtures.golden(caseName)) {
            StringBuilder report = new StringBuilder(caseName + " from " + image + ":");
            for (int i = 0; i < GOLDEN_STATES.length; i++) {
                String name = "vision.hidden_states." + GOLDEN_STATES[i];
                double err = Normwise.assertClose(name, backend.download(states[i]), golden.get(name), Normwise.HIDDEN_TOL);
                report.append(String.format(" %s %.2e", name, err));
            }
            Tensor tokens = backend.download(projector.project(states[GOLDEN_STATES.length - 1]));
            double err = Normwise.assertClose("image_tokens", tokens, golden.get("image_tokens"), Normwise.HIDDEN_TOL);
            System.out.println(report.append(String.format(" image_tokens %.2e", err)));
        }
    }

    @Test
    void runsNoLayerPastTheDeepestStateAskedFor() {
        AtomicInteger attentions = new AtomicInteger();
        Backend counting = (Backend) Proxy.newProxyInstance(Backend.class.getClassLoader(), new Class<?>[] {Backend.class},
                (proxy, method, args) -> {
                    if (method.getName().equals("attention")) attentions.incrementAndGet();
                    try {
                        return method.invoke(backend, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
        VisionTower tower = new VisionTower(config, clipWeights, counting);
        Tensor pixels = Tensor.zeros(org.gpt4roi.tensor.DType.F32, 3, 224, 224);
        tower.hiddenStates(pixels, 0);
        assertEquals(0, attentions.get(), "layers run for hidden state 0");
        Tensor[] states = tower.hiddenStates(pixels, 3, 1);
        assertEquals(3, attentions.get(), "layers run for hidden states 3 and 1");
        assertEquals(2, states.length);
    }

    @Test
    void missingAndMisshapenTensorsAreNamed() {
        ClipConfig oneLayerTooMany = new ClipConfig(48, 192, 4, 25, 14, 224, 1e-5f);
        ModelFileException missing = assertThrows(ModelFileException.class, () -> new VisionTower(oneLayerTooMany, clipWeights, backend));
        assertTrue(missing.getMessage().contains("vision_model.encoder.layers.24."), missing.getMessage());
        ClipConfig wrongMlp = new ClipConfig(48, 96, 4, 24, 14, 224, 1e-5f);
        ModelFileException shape = assertThrows(ModelFileException.class, () -> new VisionTower(wrongMlp, clipWeights, backend));
        assertTrue(shape.getMessage().contains("mlp.fc1.weight") && shape.getMessage().contains("[192, 48]"), shape.getMessage());
        ModelFileException projector = assertThrows(ModelFileException.class, () -> new ImageProjector(modelWeights, backend, 48, 4096));
        assertTrue(projector.getMessage().contains("model.mm_projector.weight"), projector.getMessage());
    }
}
