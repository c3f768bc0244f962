using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Rampart.Core.Control;

namespace Rampart.Agent.Tests;

/// <summary>Runs the real rampartd and talks to it over its control socket.</summary>
public class AgentProcessTests
{
    [Fact]
    public async Task Agent_AnswersOnItsControlSocket_AndRefusesBadRequests()
    {
        using var home = new TempHome();
        var agentDll = Path.Combine(AppContext.BaseDirectory, "rampartd.dll");
        var start = new ProcessStartInfo("dotnet", [agentDll]) { RedirectStandardOutput = true, RedirectStandardError = true };
        start.Environment["RAMPART_HOME"] = home.Path;
        using var agent = Process.Start(start)!;
        try
        {
            var socketPath = ControlEndpoint.SocketPath(home.Path);
            var deadline = DateTime.UtcNow.AddSeconds(20);
            while (!File.Exists(socketPath) && DateTime.UtcNow < deadline && !agent.HasExited)
            {
                await Task.Delay(50);
            }

            Assert.True(File.Exists(socketPath), "the agent did not create its control socket");
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(socketPath));

            using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath));
            await using var stream = new NetworkStream(socket);
            using var reader = new StreamReader(stream);
            await using var writer = new StreamWriter(stream, new UTF8Encoding(false)) { AutoFlush = true, NewLine = "\n" };

            async Task<ControlResponse> Ask(string line)
            {
                await writer.WriteLineAsync(line);
                return JsonSerializer.Deserialize<ControlResponse>((await reader.ReadLineAsync())!, ControlJson.Options)!;
            }

            var status = await Ask("""{"command":"agent.status"}""");
            Assert.True(status.Ok);
            Assert.Equal(agent.Id, status.Result!.Value.GetProperty("processId").GetInt32());

            var unknown = await Ask("""{"command":"no.such"}""");
            Assert.False(unknown.Ok);
            Assert.Contains("no.such", unknown.Error, StringComparison.Ordinal);

            var garbage = await Ask("{not json");
            Assert.False(garbage.Ok);
            Assert.StartsWith("malformed request", garbage.Error, StringComparison.Ordinal);

            var trace = await Ask("""{"command":"trace.set","arguments":{"trace":"ike","enabled":false}}""");
            Assert.True(trace.Ok);
            Assert.False(trace.Result!.Value.EnumerateArray().First(t => t.GetProperty("trace").GetString() == "ike").GetProperty("enabled").GetBoolean());

            Assert.False(agent.HasExited, "a bad request must not stop the agent");
        }
        finally
        {
            agent.Kill(entireProcessTree: true);
            await agent.WaitForExitAsync();
        }
    }
}
