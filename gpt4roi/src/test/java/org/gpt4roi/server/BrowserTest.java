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
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The page in real headless Chromium (Selenium driving Debian's chromium through chromedriver):
 * upload a bundled photo, draw a box with the mouse, click it to put {@code <region1>} in the
 * question, ask, and see the answer arrive in several streamed pieces and end as the library's
 * greedy answer. A screenshot goes to target/browser-region-chat.png.
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
                driver.quit();
                service.stop();
            }
        } finally {
            deleteQuietly(profile);
        }
    }

    private static void run(WebDriver driver, TestServer server) throws Exception {
        WebDriverWait wait = new WebDriverWait(driver, Duration.ofSeconds(60));
        JavascriptExecutor js = (JavascriptExecutor) driver;
        driver.get(server.url());
        WebElement canvas = driver.findElement(By.id("canvas"));
        wait.until(d -> PageHandler.DEFAULT_PHOTO.equals(canvas.getDomAttribute("data-ready")));

        Path photo = TestServer.testdata("images", "waterview.jpg");
        driver.findElement(By.id("file-input")).sendKeys(photo.toAbsolutePath().toString());
        wait.until(d -> "waterview.jpg".equals(canvas.getDomAttribute("data-ready")));

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
        wait.until(d -> Boolean.TRUE.equals(js.executeScript("return window.gpt4roi.done")));

        String shown = driver.findElement(By.cssSelector(".msg.assistant")).getText();
        Path shot = Path.of("target", "browser-region-chat.png");
        Files.write(shot, ((TakesScreenshot) driver).getScreenshotAs(OutputType.BYTES));
        String error = driver.findElement(By.id("error")).getText();
        assertEquals("", error, "the page shows an error");

        long textEvents = (Long) js.executeScript("return window.gpt4roi.textEvents");
        assertTrue(textEvents >= 2, "the answer should stream in pieces; text events: " + textEvents);
        String answer = (String) js.executeScript("return window.gpt4roi.lastAnswer");
        String sentBox = driver.findElement(By.cssSelector("#box-list li")).getText();
        String expected = libraryAnswer(photo, boxPixels(sentBox), "What is <region1> doing?");
        assertEquals(expected, answer, "the page's answer is the library's greedy answer");
        assertTrue(shown.startsWith(expected), "shown: " + shown);
        System.out.println("browser test: " + textEvents + " text events; screenshot " + shot.toAbsolutePath());
    }

    /** "region1: 125, 83, 325, 216 (sent)tag" (the list item with its button) → the box the page sent. */
    private static Box boxPixels(String listItem) {
        String coords = listItem.substring(listItem.indexOf(':') + 1).replaceAll("\\(.*", "").replaceAll("[^0-9,]", "");
        double[] v = Arrays.stream(coords.split(",")).mapToDouble(Double::parseDouble).toArray();
        return new Box(v[0], v[1], v[2], v[3]);
    }

    private static String libraryAnswer(Path photo, Box box, String question) throws Exception {
        Gpt4RoiModel model = TestServer.tinyModel();
        Conversation conv = new Conversation(model, model.encodeImage(RgbImage.decode(Files.readAllBytes(photo), "test"),
                Probe.NONE, new StageTimer()));
        conv.addBoxes(List.of(box), new StageTimer());
        return conv.ask(question, GenerationSettings.greedy(MAX_TOKENS), s -> {}, new StageTimer()).text();
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
