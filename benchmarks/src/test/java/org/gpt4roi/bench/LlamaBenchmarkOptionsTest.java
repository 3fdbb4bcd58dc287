package org.gpt4roi.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** {@code LlamaBenchmark}'s command line: values parsed, bad ones refused with the option named. */
class LlamaBenchmarkOptionsTest {
    @Test void valuesAreParsed() {
        var o = LlamaBenchmark.Options.parse(new String[] {"--threads", "2", "--prompt", "64", "--decode", "4", "--warmup", "3", "--passes", "5", "--skip-7b"});
        assertEquals(2, o.threads());
        assertEquals(64, o.prompt());
        assertEquals(4, o.decode());
        assertEquals(3, o.warmups());
        assertEquals(5, o.passes());
        assertEquals(3, LlamaBenchmark.Options.parse(new String[0]).passes(), "default: three timed prefills");
        assertEquals(true, o.skip7b());
    }

    @Test void badValuesNameTheOption() {
        assertEquals("--warmup must be at least 1", refused("--warmup", "0"));
        assertEquals("--warmup must be a whole number, got \"two\"", refused("--warmup", "two"));
        assertEquals("--warmup needs a value", refused("--warmup"));
        assertEquals("--passes must be at least 1", refused("--passes", "0"));
        assertEquals("--passes must be a whole number, got \"-\"", refused("--passes", "-"));
        assertEquals("--prompt must be at least 1 and --decode at least 0", refused("--prompt", "0"));
        assertEquals("--threads must be a whole number, got \"1e3\"", refused("--threads", "1e3"));
    }

    private static String refused(String... args) {
        return assertThrows(IllegalArgumentException.class, () -> LlamaBenchmark.Options.parse(args)).getMessage();
    }
}
