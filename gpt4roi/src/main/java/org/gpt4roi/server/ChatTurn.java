package org.gpt4roi.server;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.function.Consumer;
import org.gpt4roi.chat.Answer;
import org.gpt4roi.chat.Conversation;
import org.gpt4roi.chat.GenerationSettings;
import org.gpt4roi.chat.Prompt;
import org.gpt4roi.model.Gpt4RoiModel;
import org.gpt4roi.model.StageTimer;
import org.gpt4roi.roi.Box;
import org.gpt4roi.tensor.Gpt4RoiException;
import org.gpt4roi.tensor.InputException;
import org.gpt4roi.tensor.Probe;
import org.gpt4roi.vit.RgbImage;

/**
 * One chat turn on the model thread:
 * <pre>
 * conversation_id ─▶ Sessions.conversation ─────────────┐
 * image bytes ─▶ sha256 ─▶ cached? ─no─▶ decode, encodeImage ─▶ new Conversation
 *                                                        ▼
 * boxes ─▶ checked against the image ─▶ addBoxes ─▶ ask(question) ─▶ answer JSON
 * </pre>
 * A new conversation is remembered only once its first answer is complete, so a failed request
 * leaves nothing behind.
 */
final class ChatTurn {
    /** Thrown from the text callback when the streaming client has gone, to stop generating. */
    static final class ClientGone extends RuntimeException {
        ClientGone() { super("the client closed the connection", null, false, false); }
    }

    private final Gpt4RoiModel model;
    private final Sessions sessions;
    private final ServerLimits limits;

    ChatTurn(Gpt4RoiModel model, Sessions sessions, ServerLimits limits) {
        this.model = model;
        this.sessions = sessions;
        this.limits = limits;
    }

    /** Runs the turn, streaming text pieces to {@code onText}; returns the answer JSON or throws an {@link ApiException}. */
    ObjectNode run(ChatRequest request, Consumer<String> onText) {
        StageTimer timer = new StageTimer();
        Sessions.Session session = null;
        Sessions.EncodedImage image;
        Conversation conversation;
        boolean imageCached = true;
        if (request.conversationId() != null) {
            session = sessions.conversation(request.conversationId());
            image = session.image;
            conversation = session.conversation;
            if (request.image() != null && !sha256(request.image()).equals(image.sha256()))
                throw ApiException.badRequest("image", "conversation " + session.id + " is about another image; "
                        + "omit conversation_id to start a new conversation on this one");
            checkHistory(request.messages(), conversation);
        } else {
            if (request.messages().size() > 1)
                throw ApiException.badRequest("messages", "earlier turns can only be continued with the conversation_id "
                        + "that answered them; send just the first question to start a conversation");
            String hash = sha256(request.image());
            image = sessions.image(hash);
            if (image == null) {
                imageCached = false;
                image = encode(request.image(), hash, timer);
                sessions.putImage(image);
            }
            conversation = null;                            // made once the request has passed its checks
        }
        List<Box> boxes = checkBoxes(request.boxes(), conversation == null ? 0 : conversation.boxes().size(),
                image.context().width(), image.context().height());
        GenerationSettings settings = settings(request.sampling());
        if (conversation == null) conversation = new Conversation(model, image.context());   // allocates its KV cache
        if (session != null && !boxes.isEmpty()) checkQuestion(conversation, request.question(), boxes.size());
        try {
            int[] newRegions = conversation.addBoxes(boxes, timer);
            Answer answer = conversation.ask(request.question(), settings, onText, timer);
            if (session == null) session = sessions.start(image, conversation);
            return answerJson(session, conversation, newRegions, answer, imageCached, timer);
        } catch (InputException e) {                        // refused before the conversation changed
            throw ApiException.badRequest("messages", e.getMessage());
        } catch (RuntimeException | Error e) {
            if (session != null) sessions.drop(session.id);  // a turn cut off half-way leaves its KV cache unknown
            throw e;
        }
    }

    private static GenerationSettings settings(ChatRequest.Sampling s) {
        try {
            return new GenerationSettings(s.temperature(), s.topK(), s.topP(), s.seed(), s.maxTokens());
        } catch (InputException e) {
            throw ApiException.badRequest(null, e.getMessage());
        }
    }

    /**
     * The question's own checks ({@code <regionN>} tags, the context) run before boxes are added to a
     * live conversation, so a refused turn leaves it as it was. {@link Conversation#ask} checks the same.
     */
    private void checkQuestion(Conversation conversation, String question, int newBoxes) {
        List<Prompt.Turn> turns = new ArrayList<>(conversation.turns());
        turns.add(new Prompt.Turn(question, null));
        try {
            int tokens = model.tokenizer.encode(Prompt.render(turns, conversation.boxes().size() + newBoxes).text()).length;
            int context = conversation.cache().capacity();
            if (tokens >= context)
                throw ApiException.badRequest("messages", "the prompt would be " + tokens + " tokens long, past the model's "
                        + "context of " + context + " tokens; ask a shorter question or start a new conversation");
        } catch (InputException e) {
            throw ApiException.badRequest("messages", e.getMessage());
        }
    }

    private Sessions.EncodedImage encode(byte[] bytes, String hash, StageTimer timer) {
        RgbImage rgb;
        try {
            rgb = timer.time("image", () -> RgbImage.decode(bytes, "in the request"));
        } catch (InputException e) {
            throw ApiException.badRequest("image", e.getMessage());
        }
        return new Sessions.EncodedImage(hash, model.encodeImage(rgb, Probe.NONE, timer));
    }

    /** Box rules of the API: finite, corners in order, not wholly outside the image (partly outside is fine). */
    private List<Box> checkBoxes(List<Box> boxes, int before, int width, int height) {
        if (before + boxes.size() > limits.maxBoxes())
            throw ApiException.badRequest("boxes", "the conversation has " + before + " boxes; " + boxes.size()
                    + " more would pass the limit of " + limits.maxBoxes());
        for (int i = 0; i < boxes.size(); i++) {
            Box b = boxes.get(i);
            String field = "boxes[" + i + "]";
            try {
                b.validate(before + i);
            } catch (InputException e) {
                throw ApiException.badRequest(field, e.getMessage());
            }
            if (b.x2() <= 0 || b.y2() <= 0 || b.x1() >= width || b.y1() >= height)
                throw ApiException.badRequest(field, "box " + (before + i + 1) + " (region" + (before + i + 1) + ") " + b
                        + " lies wholly outside the " + width + "×" + height + " image; boxes are x1,y1,x2,y2 in its pixels");
        }
        return boxes;
    }

    /** Earlier messages, when sent, must be the conversation's own turns (the questions are compared). */
    private static void checkHistory(List<ChatRequest.Message> messages, Conversation conversation) {
        if (messages.size() == 1) return;
        List<Prompt.Turn> turns = conversation.turns();
        if (messages.size() != 2 * turns.size() + 1)
            throw ApiException.conflict("messages", "conversation has " + turns.size() + " earlier turns but "
                    + (messages.size() - 1) / 2 + " were sent; send either only the new question or the whole conversation");
        for (int t = 0; t < turns.size(); t++)
            if (!messages.get(2 * t).content().equals(turns.get(t).question()))
                throw ApiException.conflict("messages[" + 2 * t + "].content", "turn " + (t + 1)
                        + " differs from the question this conversation was asked");
    }

    private static ObjectNode answerJson(Sessions.Session session, Conversation conversation, int[] newRegions, Answer a,
                                         boolean imageCached, StageTimer timer) {
        ObjectNode out = Json.object();
        out.put("conversation_id", session.id);
        out.put("answer", a.text());
        out.put("raw", a.raw());
        out.put("stop_reason", a.stopReason());
        out.put("turn", conversation.turns().size());
        out.put("regions", conversation.boxes().size());
        var added = out.putArray("new_regions");
        for (int r : newRegions) added.add(r);
        var unused = out.putArray("unused_regions");
        for (int r : a.unusedRegions()) unused.add(r);
        out.put("image_cached", imageCached);
        out.putObject("usage").put("prompt_tokens", a.promptTokens()).put("reused_tokens", a.reusedTokens())
                .put("completion_tokens", a.generatedIds().length).put("prefill_tokens", a.prefillTokens());
        ObjectNode t = out.putObject("timings_s");
        timer.nanos().forEach((stage, ns) -> t.put(stage, Math.round(ns / 1e6) / 1e3));
        return out;
    }

    /** A 500 for a failure that is not the client's: the project's own errors keep their message. */
    static ApiException internalError(Throwable t) {
        if (t instanceof ApiException api) return api;
        if (t instanceof Gpt4RoiException g) return new ApiException(500, null, g.getMessage(), 0);
        System.err.println("gpt4roi serve: internal error");
        t.printStackTrace();
        return new ApiException(500, null, "internal error (" + t.getClass().getSimpleName() + "); the server log has "
                + "the details", 0);
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
