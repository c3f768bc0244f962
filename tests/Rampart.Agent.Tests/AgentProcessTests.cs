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
        using var ns = new OwnNetworkNamespace();
        var agentDll = Path.Combine(AppContext.BaseDirectory, "rampartd.dll");

        // ip netns exec execs the agent, so the PID is rampartd's own.
        var start = new ProcessStartInfo("ip", ["netns", "exec", ns.Name, "dotnet", agentDll]) { RedirectStandardOutput = true, RedirectStandardError = true };
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

            Assert.True(File.Exists(socketPath), "the agent did not create its control socket: " + (agent.HasExited ? await agent.StandardError.ReadToEndAsync() : "still running"));
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

    /// <summary>
    /// The agent opens netfilter queues and installs chains: it runs in a namespace of its own, never in the host's.
    /// Needs root; without it the test fails saying so.
    /// </summary>
    private sealed class OwnNetworkNamespace : IDisposable
    {
        public OwnNetworkNamespace()
        {
            if (!Environment.IsPrivilegedProcess)
            {
                throw new InvalidOperationException("This test runs rampartd in its own network namespace: run it as root.");
            }

            Name = $"rat-{Environment.ProcessId}-{Guid.NewGuid():N}"[..24];
            Ip("netns", "add", Name);
            Ip("-n", Name, "link", "set", "lo", "up");
        }

        public string Name { get; }

        public void Dispose()
        {
            using var pids = Process.Start(new ProcessStartInfo("ip", ["netns", "pids", Name]) { RedirectStandardOutput = true })!;
            foreach (var pid in pids.StandardOutput.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
                try
                {
                    using var process = Process.GetProcessById(int.Parse(pid, System.Globalization.CultureInfo.InvariantCulture));
                    process.Kill();
                    process.WaitForExit();
                }
                catch (ArgumentException)
                {
                    // Exited meanwhile.
                }
            }

            pids.WaitForExit();
            Ip("netns", "del", Name);
        }

        private static void Ip(params string[] arguments)
        {
            using var ip = Process.Start(new ProcessStartInfo("ip", arguments) { RedirectStandardError = true })
                ?? throw new InvalidOperationException("ip did not start (apt-get install iproute2)");
            var error = ip.StandardError.ReadToEnd();
            ip.WaitForExit();
            if (ip.ExitCode != 0)
            {
                throw new InvalidOperationException($"ip {string.Join(' ', arguments)} failed: {error}");
            }
        }
    }
}
