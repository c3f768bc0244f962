using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Rampart.Core.Control;

namespace Rampart.Agent.Tests.Monitoring;

/// <summary>
/// Two network namespaces joined by a veth pair (A 192.0.2.1, B 192.0.2.2), each running the real rampartd with its
/// own RAMPART_HOME. Needs root and iproute2: without them the constructor throws (the test fails, it never skips).
/// Dispose kills both agents by PID and deletes the namespaces and homes, whatever happened.
/// </summary>
internal sealed class AgentsInNamespaces : IDisposable
{
    public const string AddressA = "192.0.2.1";
    public const string AddressB = "192.0.2.2";

    private static int _counter;
    private readonly List<Process> _agents = [];
    private readonly List<string> _homes = [];

    public AgentsInNamespaces(string metricsOnA)
    {
        if (!Environment.IsPrivilegedProcess)
        {
            throw new InvalidOperationException("This test needs root (network namespaces, NFQUEUE): run it as root.");
        }

        foreach (var tool in new[] { "ip", "ping", "curl" })
        {
            if (!new[] { "/usr/sbin", "/usr/bin", "/sbin", "/bin" }.Any(directory => File.Exists(Path.Combine(directory, tool))))
            {
                throw new InvalidOperationException($"This test needs '{tool}': apt-get install {(tool == "ip" ? "iproute2" : tool == "ping" ? "iputils-ping" : tool)}");
            }
        }

        var prefix = string.Create(CultureInfo.InvariantCulture, $"rpm-{Environment.ProcessId}-{Interlocked.Increment(ref _counter)}");
        A = prefix + "-a";
        B = prefix + "-b";
        try
        {
            Run("ip", "netns", "add", A);
            Run("ip", "netns", "add", B);
            Run("ip", "-n", A, "link", "add", "veth-a", "type", "veth", "peer", "name", "veth-b", "netns", B);
            foreach (var (ns, device, address) in new[] { (A, "veth-a", AddressA), (B, "veth-b", AddressB) })
            {
                Run("ip", "-n", ns, "link", "set", "lo", "up");
                Run("ip", "-n", ns, "addr", "add", address + "/24", "dev", device);
                Run("ip", "-n", ns, "link", "set", device, "up");
            }

            HomeA = StartAgent(A, metricsOnA);
            HomeB = StartAgent(B, null);
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public string A { get; }
    public string B { get; }
    public string HomeA { get; } = "";
    public string HomeB { get; } = "";

    /// <summary>Sends one control request to the agent whose state directory is <paramref name="home"/>; throws if it refuses.</summary>
    public static async Task<JsonElement> Ask(string home, string command, object? arguments = null)
    {
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await socket.ConnectAsync(new UnixDomainSocketEndPoint(ControlEndpoint.SocketPath(home)));
        await using var stream = new NetworkStream(socket);
        using var reader = new StreamReader(stream);
        await using var writer = new StreamWriter(stream, new UTF8Encoding(false)) { AutoFlush = true, NewLine = "\n" };
        var request = new ControlRequest(command, arguments is null ? null : JsonSerializer.SerializeToElement(arguments, ControlJson.Options));
        await writer.WriteLineAsync(JsonSerializer.Serialize(request, ControlJson.Options));
        var response = JsonSerializer.Deserialize<ControlResponse>((await reader.ReadLineAsync())!, ControlJson.Options)!;
        Assert.True(response.Ok, $"{command}: {response.Error}");
        return response.Result ?? default;
    }

    /// <summary>Runs a command inside namespace <paramref name="ns"/>; returns its output, failing the test on a non-zero exit.</summary>
    public static string Exec(string ns, params string[] command) => Run(["ip", "netns", "exec", ns, .. command]);

    public void Dispose()
    {
        foreach (var agent in _agents)
        {
            try
            {
                agent.Kill(entireProcessTree: true);
                agent.WaitForExit(10_000);
            }
            catch (InvalidOperationException)
            {
                // Already gone.
            }

            agent.Dispose();
        }

        foreach (var ns in new[] { A, B })
        {
            if (ns is not null)
            {
                TryRun("ip", "netns", "del", ns);
            }
        }

        foreach (var home in _homes)
        {
            if (Directory.Exists(home))
            {
                Directory.Delete(home, recursive: true);
            }
        }
    }

    private string StartAgent(string ns, string? metrics)
    {
        var home = Path.Combine(Path.GetTempPath(), "rampart-monitor-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(home);
        _homes.Add(home);
        // ip netns exec execs the command, so the process we hold is the agent itself.
        var start = new ProcessStartInfo("ip", ["netns", "exec", ns, "dotnet", Path.Combine(AppContext.BaseDirectory, "rampartd.dll")])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["RAMPART_HOME"] = home;
        if (metrics is not null)
        {
            start.Environment["RAMPART_METRICS"] = metrics;
        }

        var agent = Process.Start(start)!;
        _agents.Add(agent);
        agent.OutputDataReceived += (_, _) => { };
        agent.ErrorDataReceived += (_, _) => { };
        agent.BeginOutputReadLine();
        agent.BeginErrorReadLine();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!File.Exists(ControlEndpoint.SocketPath(home)))
        {
            if (agent.HasExited || DateTime.UtcNow > deadline)
            {
                throw new InvalidOperationException($"rampartd in {ns} did not open its control socket (exited: {agent.HasExited})");
            }

            Thread.Sleep(50);
        }

        return home;
    }

    private static string Run(params string[] command)
    {
        var (exitCode, output) = TryRun(command);
        Assert.True(exitCode == 0, $"{string.Join(' ', command)} exited {exitCode}: {output}");
        return output;
    }

    private static (int ExitCode, string Output) TryRun(params string[] command)
    {
        var start = new ProcessStartInfo(command[0], command[1..]) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEndAsync();
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, output + error.Result);
    }
}
