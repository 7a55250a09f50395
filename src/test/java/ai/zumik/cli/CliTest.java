package ai.zumik.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ai.zumik.keys.ApiKeyService;
import ai.zumik.keys.RawKeys;
import ai.zumik.store.Database;
import ai.zumik.testing.TestGateway;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The operator CLI acting on a data directory: keys it creates authenticate against a gateway on
 * that directory, revocation is recorded, usage errors exit 2 and change nothing.
 */
@Timeout(120)
class CliTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern CREATED =
            Pattern.compile("(?m)^created (key_[0-9a-z]{26}) in (prj_[0-9a-z]{26}) with scopes (\\S+)$");
    private static final Pattern SHOWN = Pattern.compile("(?m)^key \\(shown once\\): (zk_live_[A-Za-z0-9_-]{32})$");
    private static final String HI = "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";

    @TempDir
    Path dataDir;

    /** One CLI invocation's outcome. */
    record Run(int exit, String out, String err) {}

    private Run cli(String... args) {
        return cliWith(Map.of("ZUMIK_DATA_DIR", dataDir.toString()), args);
    }

    private static Run cliWith(Map<String, String> env, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exit;
        try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
             PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            exit = Cli.run(args, env, o, e);
        }
        return new Run(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void keysCreateListRevokeOnTheDataDirAndTheKeyWorksOnAGatewayThere() throws Exception {
        Run created = cli("keys", "create", "--name", "x", "--scopes", "inference,read");
        assertThat(created.exit()).as(created.err()).isZero();
        assertThat(created.err()).isEmpty();
        Matcher m = CREATED.matcher(created.out());
        assertThat(m.find()).as(created.out()).isTrue();
        String keyId = m.group(1);
        String project = m.group(2);
        assertThat(m.group(3)).isEqualTo("inference,read");
        Matcher shown = SHOWN.matcher(created.out());
        assertThat(shown.find()).as(created.out()).isTrue();
        String raw = shown.group(1);

        Run list = cli("keys", "list");
        assertThat(list.exit()).isZero();
        assertThat(list.out()).startsWith("ID ");
        String row = line(list.out(), keyId);
        assertThat(row).contains(project).contains("active").contains("inference,read").contains(RawKeys.mask(raw)).endsWith(" x");
        assertThat(list.out()).as("the raw key is shown only at creation").doesNotContain(raw).doesNotContain(raw.substring(8));

        try (TestGateway gw = TestGateway.start(dataDir, Map.of())) {
            assertThat(gw.zumik().keys().defaultProjectId()).isEqualTo(project);
            assertThat(gw.post("/v1/chat/completions", HI, raw).statusCode()).isEqualTo(200);
            assertThat(gw.get("/v2/usage", raw).statusCode()).isEqualTo(200);
            assertThat(gw.post("/v2/api-keys", "{\"name\":\"y\"}", raw).statusCode()).as("no admin scope").isEqualTo(403);
            JsonNode viaApi = JSON.readTree(gw.get("/v2/api-keys/" + keyId).body());
            assertThat(viaApi.get("name").asText()).isEqualTo("x");
            assertThat(viaApi.get("status").asText()).isEqualTo("active");
        }

        Run revoked = cli("keys", "revoke", keyId);
        assertThat(revoked.exit()).as(revoked.err()).isZero();
        assertThat(revoked.out()).startsWith("revoked " + keyId + " (" + RawKeys.mask(raw) + ") at ");
        assertThat(line(cli("keys", "list").out(), keyId)).contains("revoked");
        try (Database db = Database.open(null, dataDir, false)) {
            ApiKeyService keys = new ApiKeyService(db, Clock.systemUTC());
            assertThat(keys.load(RawKeys.hash(raw))).isInstanceOf(ApiKeyService.Check.Revoked.class);
        }

        Run unknown = cli("keys", "revoke", "key_00000000000000000000000000");
        assertThat(unknown.exit()).isEqualTo(1);
        assertThat(unknown.out()).contains("no key with id key_00000000000000000000000000");
    }

    @Test
    void projectsCreateAndListAndTheFirstKeyAdministersOnlyItsProject() throws Exception {
        Run created = cli("projects", "create", "--name", "team blue");
        assertThat(created.exit()).as(created.err()).isZero();
        Matcher m = Pattern.compile("(?m)^created project (prj_[0-9a-z]{26}) \\(team blue\\)$").matcher(created.out());
        assertThat(m.find()).as(created.out()).isTrue();
        String project = m.group(1);
        Matcher k = Pattern.compile("(?m)^admin key (key_[0-9a-z]{26}) \\(shown once\\): (zk_live_[A-Za-z0-9_-]{32})$")
                .matcher(created.out());
        assertThat(k.find()).as(created.out()).isTrue();
        String raw = k.group(2);
        Run list = cli("projects", "list");
        assertThat(list.exit()).isZero();
        assertThat(line(list.out(), project)).endsWith(" team blue");
        assertThat(list.out()).contains("default").doesNotContain(raw);
        try (TestGateway gw = TestGateway.start(dataDir, Map.of())) {
            JsonNode keys = JSON.readTree(gw.get("/v2/api-keys", raw).body());
            assertThat(keys.at("/data/0/project_id").asText()).isEqualTo(project);
            assertThat(gw.get("/v2/projects", raw).statusCode()).as("a project admin is no operator").isEqualTo(403);
            assertThat(gw.post("/v1/chat/completions", HI, raw).statusCode()).isEqualTo(200);
        }
        Run platformElsewhere = cli("keys", "create", "--name", "op", "--scopes", "platform", "--project", project);
        assertThat(platformElsewhere.exit()).isEqualTo(2);
        assertThat(platformElsewhere.err()).contains("default project");
        assertThat(cli("projects", "create").exit()).isEqualTo(2);
        assertThat(cli("projects", "frobnicate").exit()).isEqualTo(2);
    }

    @Test
    void dataDirFlagAndEqualsSyntaxAndDefaultScope() throws Exception {
        Path other = dataDir.resolve("elsewhere");
        Map<String, String> env = Map.of("ZUMIK_DATA_DIR", dataDir.resolve("not-this-one").toString());
        Run created = cliWith(env, "keys", "create", "--name=ops bot", "--data-dir=" + other);
        assertThat(created.exit()).as(created.err()).isZero();
        Matcher m = CREATED.matcher(created.out());
        assertThat(m.find()).isTrue();
        assertThat(m.group(3)).isEqualTo("inference");
        Matcher shown = SHOWN.matcher(created.out());
        assertThat(shown.find()).isTrue();
        try (Database db = Database.open(null, other, false)) {
            ApiKeyService keys = new ApiKeyService(db, Clock.systemUTC());
            assertThat(keys.load(RawKeys.hash(shown.group(1)))).isInstanceOf(ApiKeyService.Check.Granted.class);
        }
        Run list = cliWith(env, "keys", "list", "--data-dir", other.toString());
        assertThat(line(list.out(), m.group(1))).endsWith(" ops bot");
    }

    @Test
    void usageErrorsExit2AndChangeNothing() {
        assertThat(cli("keys", "list").exit()).isZero(); // the first keys command creates the project
        String before = cli("keys", "list").out();

        List<List<String>> cases = List.of(
                List.of("frobnicate"),
                List.of("keys"),
                List.of("keys", "frob"),
                List.of("keys", "create"),
                List.of("keys", "create", "--name"),
                List.of("keys", "create", "--name", "   "),
                List.of("keys", "create", "--name", "x", "--scopes", "inference,root"),
                List.of("keys", "create", "--name", "x", "--colour", "red"),
                List.of("keys", "list", "extra"),
                List.of("keys", "list", "--project", "prj_doesnotexist"),
                List.of("keys", "revoke"),
                List.of("keys", "revoke", "key_a", "key_b"),
                List.of("serve", "extra"),
                List.of("serve", "--port", "abc"),
                List.of("serve", "--bogus", "1"));
        for (List<String> args : cases) {
            Run r = cli(args.toArray(String[]::new));
            assertThat(r.exit()).as(String.join(" ", args) + ": " + r.err()).isEqualTo(2);
            assertThat(r.err()).as(String.join(" ", args)).startsWith("zumik: ");
        }
        assertThat(cli("frobnicate").err()).contains("unknown command 'frobnicate'").contains("Usage: zumik");
        assertThat(cli("keys", "create").err()).contains("--name");
        assertThat(cli("keys", "create", "--name", "x", "--scopes", "root").err()).contains("unknown scope 'root'");
        assertThat(cli("keys", "revoke").err()).contains("KEY_ID");

        Run none = cli();
        assertThat(none.exit()).isEqualTo(2);
        assertThat(none.out()).contains("Usage: zumik").contains("keys create");

        assertThat(cli("keys", "list").out()).as("no failed command created a key").isEqualTo(before);
    }

    @Test
    void versionAndHelp() {
        for (String v : List.of("version", "--version")) {
            Run r = cli(v);
            assertThat(r.exit()).isZero();
            assertThat(r.out()).isEqualTo("zumik " + Cli.VERSION + System.lineSeparator());
            assertThat(r.err()).isEmpty();
        }
        assertThat(Cli.VERSION).matches("\\d+\\.\\d+\\.\\d+.*");
        for (String h : List.of("help", "--help", "-h")) {
            Run r = cli(h);
            assertThat(r.exit()).isZero();
            assertThat(r.out()).contains("Usage: zumik").contains("keys revoke KEY_ID").contains("version");
        }
    }

    private static String line(String text, String containing) {
        return text.lines().filter(l -> l.contains(containing)).findFirst()
                .orElseThrow(() -> new AssertionError("no line with " + containing + " in:\n" + text));
    }
}
