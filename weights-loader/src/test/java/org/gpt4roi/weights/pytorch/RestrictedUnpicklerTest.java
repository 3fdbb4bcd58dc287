package org.gpt4roi.weights.pytorch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.util.Arrays;
import java.util.HexFormat;
import org.gpt4roi.tensor.ModelFileException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The pickle machine on Python's own pickles of plain values, and on malformed byte code. */
class RestrictedUnpicklerTest {
    @ParameterizedTest
    @ValueSource(strings = {"values.pkl", "values4.pkl"})
    void decodesWhatPythonPickled(String file) throws Exception {
        Object value = RestrictedUnpickler.load(Files.readAllBytes(Fixtures.resource(file)), file);
        ObjectMapper json = new ObjectMapper();
        JsonNode expected = Fixtures.json("values.json");
        assertEquals(json.writeValueAsString(expected), json.writeValueAsString(value));
    }

    @ParameterizedTest(name = "{1}")
    @CsvSource(delimiter = '|', value = {
            "8002 4b01                          | ends without STOP",
            "8002 8a09 000000000000000001 2e    | 9 bytes does not fit 64 bits",
            "8002 6805 2e                       | memo key 5 was never stored",
            "8002 2e                            | stack underflow",
            "8002 47 3ff0000000000000 2e        | unsupported pickle opcode 0x47",
            "8002 58 ffffff7f 41 2e             | runs past the end of the pickle",
            "8002 63 746f7263680a 48616c6653746f726167650a 29 52 2e | torch.HalfStorage called like a function",
            "8002 4b01 29 52 2e                 | REDUCE of a non-global Long",
    })
    void malformedByteCodeIsRefused(String hex, String problem) {
        byte[] code = HexFormat.of().parseHex(hex.replace(" ", ""));
        ModelFileException e = assertThrows(ModelFileException.class, () -> RestrictedUnpickler.load(code, "x.pkl"));
        assertTrue(e.getMessage().startsWith("x.pkl: byte ") && e.getMessage().contains(problem), e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"values.pkl", "values4.pkl"})
    void everyTruncationFailsCleanly(String file) throws Exception {
        byte[] all = Files.readAllBytes(Fixtures.resource(file));
        for (int n = 0; n < all.length; n += 7) {
            byte[] cut = Arrays.copyOf(all, n);
            assertThrows(ModelFileException.class, () -> RestrictedUnpickler.load(cut, file), "cut at " + n);
        }
    }
}
