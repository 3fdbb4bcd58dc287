package org.gpt4roi.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import org.gpt4roi.chat.Conversation;
import org.gpt4roi.chat.GenerationSettings;
import org.gpt4roi.model.Gpt4RoiModel;
import org.gpt4roi.model.StageTimer;
import org.gpt4roi.roi.Box;
import org.gpt4roi.tensor.Probe;
import org.gpt4roi.vit.RgbImage;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.interactions.Actions;

/**
 * The page in real headless Chromium (Selenium driving Debian's chromium through chromedriver):
 * upload a bundled photo, draw a box with the mouse, click it to put {@code <region1>} in the
 * question, ask, and see the answer arrive in several streamed pieces and end as the library's
 * greedy answer; then draw a second box and ask about it in a second turn. A screenshot goes to
 * target/browser-region-chat.png.
 * Skips when chromium or chromedriver is missing, unless GPT4ROI_REQUIRE_BROWSER is set.
 */
class BrowserTest {
    static final int MAX_TOKENS = 12;

    @Test void drawABoxAskAndWatchTheAnswerStream() throws Exception {
        Optional<Path> chromium = executable("chromium", "chromium-browser", "google-chrome");
        Optional<Path> chromedriver = executable("chromedriver");
        if (chromium.isEmpty() || chromedriver.isEmpty()) {
            String what = "browser test needs chromium and chromedriver on the PATH (Debian: apt-get install chromium chromium-driver)";
            if (System.getenv("GPT4ROI_REQUIRE_BROWSER") != null) fail(what + "; GPT4ROI_REQUIRE_BROWSER is set");
            assumeTrue(false, "skipped: " + what);
        }
        Path profile = Files.createTempDirectory("gpt4roi-chromium-");
        ChromeOptions options = new ChromeOptions();
        options.setBinary(chromium.get().toFile());
        options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic",
                "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--user-data-dir=" + profile, "--window-size=1280,900");
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(chromedriver.get().toFile()).usingAnyFreePort().build();

        try (TestServer server = new TestServer(ServerLimits.DEFAULT)) {
            WebDriver driver = new ChromeDriver(service, options);
            try {
                run(driver, server);
            } finally {
                Path shot = Path.of("target", "browser-region-chat.png");     // also when the test failed
                Files.write(shot, ((TakesScreenshot) driver).getScreenshotAs(OutputType.BYTES));
                System.out.println("browser test screenshot: " + shot.toAbsolutePath());
                driver.quit();
                service.stop();
            }
        } finally {
            deleteQuietly(profile);
        }
    }

    private static void run(WebDriver driver, TestServer server) throws Exception {
        JavascriptExecutor js = (JavascriptExecutor) driver;
        driver.get(server.server.url());
        WebElement canvas = driver.findElement(By.id("canvas"));
        waitFor("the default photo on the canvas", () -> PageHandler.DEFAULT_PHOTO.equals(canvas.getDomAttribute("data-ready")));

        Path photo = TestServer.testdata("images", "waterview.jpg");
        driver.findElement(By.id("file-input")).sendKeys(photo.toAbsolutePath().toString());
        waitFor("the uploaded photo on the canvas", () -> "waterview.jpg".equals(canvas.getDomAttribute("data-ready")));

        // Draw a box by mouse: press at a quarter of the canvas, drag a fifth of its size.
        int w = canvas.getRect().getWidth(), h = canvas.getRect().getHeight();
        new Actions(driver).moveToElement(canvas, -w / 4, -h / 4).clickAndHold()
                .moveByOffset(w / 10, h / 10).moveByOffset(w / 10, h / 10).release().perform();
        List<WebElement> boxes = driver.findElements(By.cssSelector("#box-list li"));
        assertEquals(1, boxes.size(), "one box drawn");

        // Type around the tag that a click on the box inserts.
        WebElement question = driver.findElement(By.id("question"));
        question.sendKeys("What is");
        new Actions(driver).moveToElement(canvas, -w / 4 + w / 10, -h / 4 + h / 10).click().perform();
        question.sendKeys(" doing?");
        assertEquals("What is <region1> doing?", question.getDomProperty("value"));

        driver.findElement(By.cssSelector("#settings summary")).click();
        WebElement maxTokens = driver.findElement(By.id("max-tokens"));
        maxTokens.clear();
        maxTokens.sendKeys(Integer.toString(MAX_TOKENS));

        driver.findElement(By.id("send")).click();
        waitFor("the first answer", () -> Boolean.TRUE.equals(js.executeScript("return window.gpt4roi.done")));

        String shown = driver.findElement(By.cssSelector(".msg.assistant")).getText();
        String error = driver.findElement(By.id("error")).getText();
        assertEquals("", error, "the page shows an error");

        long textEvents = (Long) js.executeScript("return window.gpt4roi.textEvents");
        assertTrue(textEvents >= 2, "the answer should stream in pieces; text events: " + textEvents);
        String answer = (String) js.executeScript("return window.gpt4roi.lastAnswer");
        Box box1 = boxPixels(driver.findElements(By.cssSelector("#box-list li")).getFirst().getText());
        List<String> expected = libraryAnswers(photo, List.of(box1), List.of("What is <region1> doing?"));
        assertEquals(expected.getFirst(), answer, "the page's answer is the library's greedy answer");
        assertTrue(shown.startsWith(expected.getFirst()), "shown: " + shown);

        // Turn 2: a new box in the lower right, asked about by its tag; the first box stays as sent.
        new Actions(driver).moveToElement(canvas, w / 8, h / 8).clickAndHold()
                .moveByOffset(w / 10, h / 10).moveByOffset(w / 10, h / 10).release().perform();
        question.sendKeys("And");
        new Actions(driver).moveToElement(canvas, w / 8 + w / 10, h / 8 + h / 10).click().perform();
        question.sendKeys("?");
        assertEquals("And <region2>?", question.getDomProperty("value"));
        driver.findElement(By.id("send")).click();
        waitFor("the second answer", () -> Boolean.TRUE.equals(js.executeScript("return window.gpt4roi.done")));
        assertEquals("", driver.findElement(By.id("error")).getText(), "the page shows an error");
        List<WebElement> items = driver.findElements(By.cssSelector("#box-list li"));
        assertEquals(2, items.size(), "two boxes");
        Box box2 = boxPixels(items.get(1).getText());
        assertEquals(box1, boxPixels(items.get(0).getText()), "the first box did not move");
        List<String> twoTurns = libraryAnswers(photo, List.of(box1, box2), List.of("What is <region1> doing?", "And <region2>?"));
        assertEquals(twoTurns.get(1), js.executeScript("return window.gpt4roi.lastAnswer"), "turn 2 answer");
        assertTrue(driver.findElement(By.id("turn-status")).getText().startsWith("turn 2"),
                driver.findElement(By.id("turn-status")).getText());
        System.out.println("browser test: " + textEvents + " text events in turn 1");
    }

    private static void waitFor(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) fail("timed out after 60 s waiting for " + what);
            Thread.sleep(50);
        }
    }

    /** "region1: 125, 83, 325, 216 (sent)tag" (the list item with its button) → the box the page sent. */
    private static Box boxPixels(String listItem) {
        String coords = listItem.substring(listItem.indexOf(':') + 1).replaceAll("\\(.*", "").replaceAll("[^0-9,]", "");
        double[] v = Arrays.stream(coords.split(",")).mapToDouble(Double::parseDouble).toArray();
        return new Box(v[0], v[1], v[2], v[3]);
    }

    /** The library's greedy answers when turn t adds {@code boxes[t]} and asks {@code questions[t]}. */
    private static List<String> libraryAnswers(Path photo, List<Box> boxes, List<String> questions) throws Exception {
        Gpt4RoiModel model = TestServer.tinyModel();
        Conversation conv = new Conversation(model, model.encodeImage(RgbImage.decode(Files.readAllBytes(photo), "test"),
                Probe.NONE, new StageTimer()));
        List<String> answers = new ArrayList<>();
        for (int t = 0; t < questions.size(); t++) {
            conv.addBoxes(List.of(boxes.get(t)), new StageTimer());
            answers.add(conv.ask(questions.get(t), GenerationSettings.greedy(MAX_TOKENS), s -> {}, new StageTimer()).text());
        }
        return answers;
    }

    private static Optional<Path> executable(String... names) {
        List<Path> dirs = new ArrayList<>();
        for (String d : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) if (!d.isEmpty()) dirs.add(Path.of(d));
        for (String name : names)
            for (Path dir : dirs) if (Files.isExecutable(dir.resolve(name))) return Optional.of(dir.resolve(name));
        return Optional.empty();
    }

    private static void deleteQuietly(Path dir) {
        try (var files = Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (Exception ignored) {
            // a temporary profile left behind is harmless
        }
    }
}
