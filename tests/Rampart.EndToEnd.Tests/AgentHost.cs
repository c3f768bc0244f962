using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Rampart.Core.Control;
using Rampart.Integration.Tests.Harness;

namespace Rampart.EndToEnd.Tests;

/// <summary>
/// One host of a two-host test: a network namespace of the pair, its own RAMPART_HOME, an optional rampartd started
/// with <c>ip netns exec</c> (killed by PID with the pair), the <c>rampart</c> CLI and the agent's control socket.
/// </summary>
public sealed class AgentHost : IDisposable
{
    private readonly NetworkNamespacePair _pair;
    private BackgroundProcess? _agent;

    public AgentHost(NetworkNamespacePair pair, string ns, string address)
    {
        _pair = pair;
        Namespace = ns;
        Address = address;
        Home = Directory.CreateTempSubdirectory("rpt-e2e-home-").FullName;
    }

    public string Namespace { get; }

    public string Address { get; }

    public string Home { get; }

    /// <summary>rampartd's process id (ip netns exec and env exec it, so this is dotnet's).</summary>
    public int AgentPid => _agent?.Id ?? throw new InvalidOperationException("rampartd is not running");

    public string AgentOutput => _agent is null ? "" : _agent.Output + _agent.Error;

    /// <summary>Starts rampartd in the namespace (with extra <c>NAME=value</c> settings) and waits for its control socket.</summary>
    public void StartAgent(params string[] environment)
    {
        _agent = _pair.StartProcess(Namespace, ["env", "RAMPART_HOME=" + Home, .. environment, "dotnet", Path.Combine(AppContext.BaseDirectory, "rampartd.dll")]);
        var socket = ControlEndpoint.SocketPath(Home);
        Wait.Until(() => File.Exists(socket) || _agent.HasExited, TimeSpan.FromSeconds(30), "rampartd control socket");
        Assert.False(_agent.HasExited, "rampartd exited: " + AgentOutput);
    }

    /// <summary>Kills rampartd with SIGKILL, as a crash would: its netfilter chains stay; its stale control socket is removed.</summary>
    public void KillAgent()
    {
        _agent?.Dispose();
        _agent = null;
        File.Delete(ControlEndpoint.SocketPath(Home));
    }

    /// <summary>Runs the CLI in the namespace against this host's home and asserts success.</summary>
    public string Cli(params string[] arguments)
    {
        var result = NetworkNamespacePair.Exec(Namespace, ["env", "RAMPART_HOME=" + Home, "dotnet", Path.Combine(AppContext.BaseDirectory, "rampart.dll"), .. arguments]);
        Assert.True(result.ExitCode == 0, $"rampart {string.Join(' ', arguments)} failed: {result.Output} {result.Error}");
        return result.Output;
    }

    /// <summary>One ping with a one-second wait; true if answered.</summary>
    public bool Ping(string destination) =>
        NetworkNamespacePair.Exec(Namespace, "ping", "-c", "1", "-W", "1", destination).ExitCode == 0;

    /// <summary>The SA list as <c>rampart sa list --json</c> prints it.</summary>
    public IReadOnlyList<JsonElement> SaList() =>
        [.. JsonDocument.Parse(Cli("sa", "list", "--json")).RootElement.EnumerateArray().Select(e => e.Clone())];

    /// <summary>Sends one control request and returns its result (asserting success).</summary>
    public async Task<JsonElement> ControlAsync(string command, object? arguments = null)
    {
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await socket.ConnectAsync(new UnixDomainSocketEndPoint(ControlEndpoint.SocketPath(Home)));
        await using var stream = new NetworkStream(socket);
        using var reader = new StreamReader(stream);
        await using var writer = new StreamWriter(stream, new UTF8Encoding(false)) { AutoFlush = true, NewLine = "\n" };
        var request = new ControlRequest(command, arguments is null ? null : JsonSerializer.SerializeToElement(arguments, ControlJson.Options));
        await writer.WriteLineAsync(JsonSerializer.Serialize(request, ControlJson.Options));
        var response = JsonSerializer.Deserialize<ControlResponse>((await reader.ReadLineAsync())!, ControlJson.Options)!;
        Assert.True(response.Ok, $"{command} failed: {response.Error}");
        return response.Result ?? default;
    }

    /// <summary>Audit records with this event number, as the agent's <c>audit.query</c> returns them.</summary>
    public async Task<IReadOnlyList<JsonElement>> AuditAsync(int eventId)
    {
        var result = await ControlAsync("audit.query", new { eventId });
        return [.. result.EnumerateArray().Select(e => e.Clone())];
    }

    /// <summary>Assigns a policy with the CLI and waits until the agent enforces it.</summary>
    public void Assign(string policy)
    {
        Cli("policy", "assign", policy);
        Wait.Until(() => AssignedPolicy()?.StartsWith(policy, StringComparison.OrdinalIgnoreCase) == true, TimeSpan.FromSeconds(20), "policy " + policy + " applied\n" + AgentOutput);
    }

    /// <summary>The policy the agent enforces; null while none is (or the agent is busy and did not answer).</summary>
    private string? AssignedPolicy()
    {
        try
        {
            // A null name is left out of the JSON.
            return ControlAsync("policy.status").GetAwaiter().GetResult().TryGetProperty("assignedPolicy", out var name) ? name.GetString() : null;
        }
        catch (Exception e) when (e is IOException or SocketException or Xunit.Sdk.XunitException)
        {
            return null;
        }
    }

    /// <summary>The walkthrough's Partner policy: a mirrored filter from me to the partner, a Negotiate action without fallback, a PSK rule (optionally tunnelling to the partner); assigned.</summary>
    public void BuildPartnerPolicy(string partner, string psk, string method, bool tunnel = false)
    {
        Cli("filterlist", "create", "Partner Filter");
        Cli("filter", "add", "Partner Filter", "--src", "me", "--dst", partner);
        Cli("filteraction", "create", "Partner Filter Action", "--negotiate", "--method", method);
        Cli("policy", "create", "Partner");
        Cli(["rule", "add", "Partner", "--filterlist", "Partner Filter", "--action", "Partner Filter Action", "--auth", "psk:" + psk, .. tunnel ? new[] { "--tunnel", partner } : []]);
        Assign("Partner");
    }

    public void Dispose()
    {
        _agent?.Dispose();
        Directory.Delete(Home, recursive: true);
    }
}

public static class Wait
{
    /// <summary>Polls <paramref name="condition"/> until true; fails with <paramref name="what"/> at the deadline.</summary>
    public static void Until(Func<bool> condition, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"timed out after {timeout.TotalSeconds} s waiting for {what}");
            }

            Thread.Sleep(100);
        }
    }
}
