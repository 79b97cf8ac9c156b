// A .NET integration's smoke test against micc-sim, with nothing but the SDK:
//   micc-sim exec --clock manual -- dotnet run --project examples/dotnet/OpenMediaSmoke
// It reads the URLs micc-sim exec sets, takes a client-credentials token, posts an Open Media item and reads it
// back; exit code 0 when the simulator answered as a MiCC server would.
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

var sdk = Environment.GetEnvironmentVariable("MICC_SIM_SDK_URL") ?? throw new("run me with micc-sim exec");
var tokenUrl = Environment.GetEnvironmentVariable("MICC_SIM_TOKEN_URL") ?? throw new("run me with micc-sim exec");
using var http = new HttpClient();

var tokenAnswer = await http.PostAsync(tokenUrl, new FormUrlEncodedContent(new Dictionary<string, string>
{
    ["grant_type"] = "client_credentials",
    ["client_id"] = "Talkative",
    ["client_secret"] = "7d9f1b26-2a7b-46e9-a2e7-1acb3ea5b26d",
}));
tokenAnswer.EnsureSuccessStatusCode();
var token = (await tokenAnswer.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("access_token").GetString();
http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);

var posted = await http.PostAsJsonAsync($"{sdk}/openmedia", new { queue = "Web Chat", from = "dotnet@example.com" });
posted.EnsureSuccessStatusCode();
var id = (await posted.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString();
var item = await http.GetFromJsonAsync<JsonElement>($"{sdk}/openmedia/{id}");
Console.WriteLine($"open media item {id} is {item.GetProperty("conversationState").GetString()}");
