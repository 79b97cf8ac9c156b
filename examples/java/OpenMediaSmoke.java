// A Java integration's smoke test against micc-sim, with nothing but the JDK (11 or later):
//   micc-sim exec --clock manual -- java examples/java/OpenMediaSmoke.java
// It reads the URLs micc-sim exec sets, takes a client-credentials token, posts an Open Media item and reads it
// back. Exit code 0 when the simulator answered as a MiCC server would.
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

public class OpenMediaSmoke {
    static final HttpClient HTTP = HttpClient.newHttpClient();

    static String field(String json, String name) {
        Matcher m = Pattern.compile("\"" + name + "\"\\s*:\\s*\"([^\"]*)\"").matcher(json);
        if (!m.find()) throw new IllegalStateException("no " + name + " in " + json);
        return m.group(1);
    }

    static HttpResponse<String> send(HttpRequest request, int expected) throws Exception {
        HttpResponse<String> answer = HTTP.send(request, HttpResponse.BodyHandlers.ofString());
        if (answer.statusCode() != expected) {
            throw new IllegalStateException(request.uri() + " answered " + answer.statusCode() + ": " + answer.body());
        }
        return answer;
    }

    public static void main(String[] args) throws Exception {
        String sdk = System.getenv("MICC_SIM_SDK_URL");
        String tokenUrl = System.getenv("MICC_SIM_TOKEN_URL");
        if (sdk == null || tokenUrl == null) throw new IllegalStateException("run me with micc-sim exec");
        String form = "grant_type=client_credentials&client_id=Talkative&client_secret="
                + URLEncoder.encode("7d9f1b26-2a7b-46e9-a2e7-1acb3ea5b26d", StandardCharsets.UTF_8);
        String token = field(send(HttpRequest.newBuilder(URI.create(tokenUrl))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(form)).build(), 200).body(), "access_token");
        String posted = send(HttpRequest.newBuilder(URI.create(sdk + "/openmedia"))
                .header("Authorization", "Bearer " + token).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"queue\":\"Web Chat\",\"from\":\"java@example.com\"}"))
                .build(), 201).body();
        String id = field(posted, "id");
        String item = send(HttpRequest.newBuilder(URI.create(sdk + "/openmedia/" + id))
                .header("Authorization", "Bearer " + token).GET().build(), 200).body();
        System.out.println("open media item " + id + " is " + field(item, "conversationState"));
    }
}
