package ai.zumik.console;

import static org.assertj.core.api.Assertions.assertThat;

import ai.zumik.testing.FakeProvider;
import ai.zumik.testing.Script;
import ai.zumik.testing.TestGateway;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The console in a real browser: Debian's headless Chromium driven through its chromedriver (no
 * Selenium Manager, no network), one browser for the class, against a gateway seeded through the
 * API. Chromium missing is a failure, not a skip: {@code .ci/run} installs it.
 */
@Timeout(120)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ConsoleBrowserTest {
    static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    static final Path SHOTS = Path.of("target", "console-screenshots");
    static final ObjectMapper JSON = new ObjectMapper();

    static FakeProvider openai;
    static TestGateway gw;
    static WebDriver driver;
    static WebDriverWait wait;
    static String admin;
    static String readKey;
    static String firstResponse;
    static String firstTrace;

    @BeforeAll
    static void start() throws Exception {
        assertThat(Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER))
                .as("the browser tests need Debian's chromium and chromium-driver (.ci/run installs them: "
                        + "apt-get install -y chromium chromium-driver)").isTrue();
        openai = FakeProvider.start();
        gw = TestGateway.start("OPENAI_BASE_URL", openai.baseUrl(), "OPENAI_API_KEY", "sk-test-123456");
        seed();
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                "--window-size=1400,1000", "--no-first-run", "--disable-extensions");
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(CHROMEDRIVER.toFile()).usingAnyFreePort().build();
        driver = new ChromeDriver(service, options);
        wait = new WebDriverWait(driver, Duration.ofSeconds(10));
        wait.ignoring(StaleElementReferenceException.class);
        Files.createDirectories(SHOTS);
    }

    @AfterAll
    static void stop() {
        if (driver != null) driver.quit();
        if (gw != null) gw.close();
        if (openai != null) openai.close();
    }

    /** A project with traffic (one failure), keys, an alias with two releases, a budget and audit events. */
    static void seed() {
        admin = json(gw.post("/v2/projects", "{\"name\":\"console\"}")).at("/admin_key/key").asText();
        readKey = json(gw.post("/v2/api-keys", "{\"name\":\"dashboards\",\"scopes\":[\"read\"]}", admin)).get("key").asText();
        json(gw.post("/v2/api-keys", "{\"name\":\"agent-7\",\"scopes\":[\"inference\"],\"rpm_limit\":60,\"budget_micros\":5000000}", admin));
        String chat = "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"hello console\"}]}";
        for (int i = 0; i < 5; i++) {
            HttpResponse<String> r = gw.post("/v1/chat/completions", chat, admin);
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            if (i == 0) {
                firstResponse = r.headers().firstValue("Agent-Response-Id").orElseThrow();
                firstTrace = r.headers().firstValue("Agent-Trace-Id").orElseThrow();
            }
        }
        openai.enqueue(Script.json(400, "{\"error\":{\"message\":\"bad request\",\"type\":\"invalid_request_error\"}}"));
        assertThat(gw.post("/v1/chat/completions", chat, admin).statusCode()).isEqualTo(400);
        json(gw.post("/v2/responses", "{\"model\":\"gpt-4o\",\"input\":\"hi\"}", admin));
        String release = "{\"targets\":[{\"provider\":\"openai\",\"model\":\"%s\",\"weight\":1}],\"policy_revision\":\"%s\"}";
        json(gw.post("/v2/model-aliases/console.fast/releases", release.formatted("gpt-4o-mini", "rev-1"), admin));
        json(gw.post("/v2/model-aliases/console.fast/releases", release.formatted("gpt-4o", "rev-2"), admin));
        json(gw.post("/v2/billing/budget", "{\"monthly_budget_usd\":50,\"overage_mode\":\"pause\"}", admin));
    }

    static JsonNode json(HttpResponse<String> r) {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        try {
            return JSON.readTree(r.body());
        } catch (IOException e) {
            throw new AssertionError(r.body(), e);
        }
    }

    static void signIn(String key) {
        driver.get(gw.url() + "/console");
        WebElement input = wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("signin-key")));
        input.clear();
        input.sendKeys(key);
        driver.findElement(By.id("signin-submit")).click();
    }

    static void signOut() {
        driver.findElement(By.id("signout")).click();
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("signin-key")));
    }

    /** Opens a page and waits until it rendered; returns its root. */
    static WebElement page(String hash, String name) {
        driver.get(gw.url() + "/console#/" + hash);
        return wait.until(ExpectedConditions.presenceOfElementLocated(By.cssSelector("#page-" + name + "[data-loaded]")));
    }

    static void shot(String name) throws IOException {
        Files.write(SHOTS.resolve(name + ".png"), ((TakesScreenshot) driver).getScreenshotAs(OutputType.BYTES));
    }

    static Object js(String script, Object... args) {
        return ((JavascriptExecutor) driver).executeScript(script, args);
    }

    @Test
    @Order(1)
    void aWrongKeyIsRefusedAtSignIn() throws IOException {
        signIn("zk_live_" + "A".repeat(32));
        WebElement error = wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("signin-error")));
        wait.until(d -> !error.getText().isEmpty());
        assertThat(error.getText()).contains("refused");
        assertThat(driver.findElement(By.id("app")).isDisplayed()).isFalse();
        assertThat(js("return sessionStorage.getItem('zumik.console.key')")).isNull();
        shot("00-signin-refused");
    }

    @Test
    @Order(2)
    void everyPageRendersTheSeededProject() throws IOException {
        signIn(admin);
        WebElement overview = wait.until(ExpectedConditions.presenceOfElementLocated(By.cssSelector("#page-overview[data-loaded]")));
        assertThat(js("return sessionStorage.getItem('zumik.console.key')")).isEqualTo(admin);
        assertThat(driver.getCurrentUrl()).doesNotContain(admin);
        assertThat(driver.manage().getCookies()).isEmpty();
        assertThat(driver.findElement(By.id("who-role")).getText()).isEqualTo("admin");
        assertThat(overview.findElement(By.cssSelector("[data-tile=requests] .v")).getText()).isEqualTo("7");
        assertThat(overview.findElement(By.cssSelector("[data-tile=failed] .v")).getText()).isEqualTo("1");
        assertThat(overview.findElements(By.cssSelector(".chart svg path.series"))).hasSizeGreaterThanOrEqualTo(4);
        assertThat(overview.findElement(By.cssSelector("[data-table=by-target]")).getText()).contains("gpt-4o-mini", "gpt-4o");
        shot("01-overview");

        WebElement usage = page("usage", "usage");
        assertThat(usage.findElement(By.cssSelector("[data-tile=requests] .v")).getText()).isEqualTo("7");
        assertThat(usage.findElement(By.id("waterfall")).getText()).contains("realized", "missed");
        assertThat(usage.findElement(By.cssSelector("[data-table=by-key]")).getText()).contains("key_");
        assertThat(usage.findElement(By.cssSelector("[data-table=by-day]")).getText()).contains(java.time.LocalDate.now(java.time.ZoneOffset.UTC).toString());
        usage.findElement(By.cssSelector("[data-csv=by-model]")).click();
        assertThat((String) js("return Z.lastCsv")).startsWith("Provider,Model,Requests").contains("openai,gpt-4o-mini,6");
        shot("02-usage");

        WebElement responses = page("responses", "responses");
        assertThat(responses.findElements(By.cssSelector("[data-table=responses] tbody tr"))).hasSize(7);
        responses.findElement(By.id("search-trace")).sendKeys(firstTrace);
        responses.findElement(By.id("search-submit")).click();
        wait.until(d -> d.findElements(By.cssSelector("#page-responses[data-loaded] [data-table=responses] tbody tr.clickable")).size() == 1);
        driver.findElement(By.cssSelector("[data-table=responses] tbody tr.clickable")).click();
        WebElement detail = wait.until(ExpectedConditions.presenceOfElementLocated(By.id("response-detail")));
        assertThat(detail.getText()).contains(firstResponse, "Agent-Resolved-Provider", "openai");
        assertThat(detail.findElements(By.cssSelector("[data-table=attempts] tbody tr"))).hasSize(1);
        assertThat(detail.findElement(By.id("routing-decision")).getText()).isNotBlank().isNotEqualTo("null");
        shot("03-response");
        js("sessionStorage.removeItem('zumik.console.responses')");
        page("responses", "responses");
        driver.findElement(By.id("search-status")).sendKeys("400");
        driver.findElement(By.id("search-submit")).click();
        wait.until(d -> d.findElements(By.cssSelector("#page-responses[data-loaded] [data-table=responses] tbody tr.clickable")).size() == 1);
        js("sessionStorage.removeItem('zumik.console.responses')");

        WebElement keys = page("keys", "keys");
        assertThat(keys.findElement(By.cssSelector("[data-table=keys]")).getText()).contains("dashboards", "agent-7", "$5.00");
        shot("04-keys");

        WebElement aliases = page("aliases/console.fast", "aliases");
        WebElement releases = aliases.findElement(By.cssSelector("[data-table=releases]"));
        assertThat(releases.findElements(By.cssSelector("tbody tr"))).hasSize(2);
        assertThat(releases.getText()).contains("rev-1", "rev-2", "active", "retired");
        shot("05-aliases");

        WebElement billing = page("billing", "billing");
        assertThat(billing.findElement(By.cssSelector("[data-tile=budget] .v")).getText()).isEqualTo("$50.00");
        assertThat(billing.findElement(By.cssSelector("[data-tile=overage] .v")).getText()).isEqualTo("pause");
        shot("06-billing");

        WebElement audit = page("audit", "audit");
        assertThat(audit.findElement(By.cssSelector("[data-table=audit]")).getText()).contains("billing.budget_set");
        shot("07-audit");

        WebElement providers = page("providers", "providers");
        WebElement targets = providers.findElement(By.cssSelector("[data-table=targets]"));
        assertThat(targets.getText()).contains("gpt-4o-mini", "closed");
        assertThat(providers.findElement(By.cssSelector("[data-table=failures]")).getText()).contains("400");
        String asOf = driver.findElement(By.id("health-as-of")).getText();
        new WebDriverWait(driver, Duration.ofSeconds(8)).until(d -> !d.findElement(By.id("health-as-of")).getText().equals(asOf));
        shot("08-providers");
    }

    @Test
    @Order(3)
    void aKeyCreatedInTheConsoleWorksUntilItIsRevokedThere() {
        WebElement keys = page("keys", "keys");
        keys.findElement(By.id("new-key-name")).sendKeys("from-console");
        keys.findElement(By.id("create-key")).click();
        String raw = wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("new-key-value"))).getText();
        assertThat(raw).startsWith("zk_live_");
        String chat = "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"from the console's key\"}]}";
        assertThat(gw.post("/v1/chat/completions", chat, raw).statusCode()).isEqualTo(200);

        page("keys", "keys");
        WebElement row = driver.findElements(By.cssSelector("[data-table=keys] tbody tr")).stream()
                .filter(r -> r.getText().contains("from-console")).findFirst().orElseThrow();
        WebElement revoke = row.findElement(By.cssSelector("[data-revoke]"));
        revoke.click();
        assertThat(revoke.getText()).isEqualTo("Confirm revoke");
        revoke.click();
        wait.until(d -> d.findElements(By.cssSelector("#page-keys[data-loaded] [data-table=keys] tbody tr")).stream()
                .anyMatch(r -> r.getText().contains("from-console") && r.getText().contains("revoked")));
        assertThat(gw.post("/v1/chat/completions", chat, raw).statusCode()).isEqualTo(401);
    }

    @Test
    @Order(4)
    void aReadKeySeesButCannotChangeAnything() throws IOException {
        signOut();
        signIn(readKey);
        wait.until(ExpectedConditions.presenceOfElementLocated(By.cssSelector("#page-overview[data-loaded]")));
        assertThat(driver.findElement(By.id("who-role")).getText()).isEqualTo("read only");
        WebElement keys = page("keys", "keys");
        assertThat(keys.getText()).contains("changes are disabled", "agent-7");
        assertThat(keys.findElement(By.id("create-key")).isEnabled()).isFalse();
        assertThat(keys.findElements(By.cssSelector("[data-revoke]"))).isNotEmpty()
                .allSatisfy(b -> assertThat(b.isEnabled()).isFalse());
        shot("09-keys-read-only");
        assertThat(page("billing", "billing").findElement(By.id("save-budget")).isEnabled()).isFalse();
        assertThat(page("audit", "audit").getText()).contains("needs a key with the admin scope");
        // The server refuses a read key whatever the page shows.
        String keyId = json(gw.get("/v2/api-keys", readKey)).at("/data/0/id").asText();
        assertThat(gw.delete("/v2/api-keys/" + keyId, readKey).statusCode()).isEqualTo(403);
        assertThat(gw.post("/v2/api-keys", "{\"name\":\"x\"}", readKey).statusCode()).isEqualTo(403);
        assertThat(gw.post("/v2/billing/budget", "{\"monthly_budget_usd\":1}", readKey).statusCode()).isEqualTo(403);
        assertThat(gw.post("/v2/model-aliases/console.fast/releases",
                "{\"targets\":[{\"provider\":\"openai\",\"model\":\"gpt-4o\",\"weight\":1}]}", readKey).statusCode()).isEqualTo(403);
        // And a call the page makes with it directly is refused too.
        Object status = ((JavascriptExecutor) driver).executeAsyncScript(
                "const done = arguments[arguments.length - 1];"
                        + "Z.api('POST', '/v2/billing/budget', {monthly_budget_usd: 1}).then(() => done(200), e => done(e.status));");
        assertThat(((Number) status).intValue()).isEqualTo(403);
        signOut();
    }
}
