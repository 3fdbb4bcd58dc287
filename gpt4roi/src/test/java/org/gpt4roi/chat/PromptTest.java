package org.gpt4roi.chat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.gpt4roi.model.Fixture;
import org.gpt4roi.tensor.InputException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class PromptTest {
    static Prompt.Rendered single(String q, int boxes) { return Prompt.render(List.of(new Prompt.Turn(q, null)), boxes); }

    @ParameterizedTest
    @ValueSource(strings = {"case-a", "case-b"})
    void singleTurnEqualsTheReferencePrompt(String name) {
        Fixture.Case c = Fixture.Case.load(name);
        Prompt.Rendered r = single(c.question(), c.boxes().size());
        assertEquals(c.input().get("prompt_text").asText(), r.text());
        for (int k = 0; k < c.boxes().size(); k++) assertEquals(k, r.bboxBoxes().get(k));
    }

    @Test
    void regionTagsIntroduceEachBoxOnceThenNameIt() {
        Prompt.Rendered r = Prompt.render(List.of(
                new Prompt.Turn("Is <region2> near <region1>?", "Yes."),
                new Prompt.Turn("What about <region2> and <3>?", null)), 3);
        assertTrue(r.text().contains("### Human: The <im_start>"));
        assertTrue(r.text().contains("Is region2 <bbox> near region1 <bbox>?\n### Assistant: Yes.\n"));
        assertTrue(r.text().endsWith("### Human: What about region2 and region3 <bbox>?\n### "));
        assertEquals(List.of(1, 0, 2), r.bboxBoxes());
    }

    @Test
    void emptyTagTakesTheNextUnnamedBox() {
        Prompt.Rendered r = single("Compare <region1> with <>.", 2);
        assertTrue(r.text().contains("Compare region1 <bbox> with <bbox>."));
        assertEquals(List.of(0, 1), r.bboxBoxes());
    }

    @Test
    void regionWithoutBoxIsAnErrorNamingIt() {
        InputException e = assertThrows(InputException.class, () -> single("What is <region3> doing?", 2));
        assertTrue(e.getMessage().contains("region 3") && e.getMessage().contains("only 2 boxes"), e.getMessage());
        e = assertThrows(InputException.class, () -> single("What is <region1>?", 0));
        assertTrue(e.getMessage().contains("no box"), e.getMessage());
    }

    @Test
    void reservedTokensInTheQuestionAreRejected() {
        InputException e = assertThrows(InputException.class, () -> single("What is <bbox>?", 1));
        assertTrue(e.getMessage().contains("<bbox>"), e.getMessage());
    }

    @Test
    void answersAreCleaned() {
        assertEquals("A man ironing.", Prompt.cleanAnswer(" Assistant: A man ironing.\n###"));
        assertEquals("x", Prompt.cleanAnswer("x ### Human: y"));
    }
}
