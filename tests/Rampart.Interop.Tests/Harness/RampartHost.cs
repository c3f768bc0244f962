using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using BackgroundProcess = Rampart.Integration.Tests.Harness.BackgroundProcess;

namespace Rampart.Interop.Tests.Harness;

/// <summary>Rampart's side of a lab: rampartd (via <c>rampart agent run</c>) in a namespace, and the CLI against its state.</summary>
public sealed class RampartHost : IDisposable
{
    private readonly string _namespace;
    private readonly BackgroundProcess _agent;

    /// <summary>Starts rampartd in <paramref name="networkNamespace"/> with its state in <paramref name="home"/> and extra <c>NAME=value</c> settings in <paramref name="environment"/>.</summary>
    public RampartHost(string networkNamespace, string home, IReadOnlyList<string>? environment = null)
    {
        _namespace = networkNamespace;
        Home = home;
        Directory.CreateDirectory(home);
        _agent = new BackgroundProcess("ip", ["netns", "exec", networkNamespace, "env", "RAMPART_HOME=" + home, .. environment ?? [], "dotnet", Cli, "agent", "run"]);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (!File.Exists(SocketPath) || !Rampart("agent", "status").Succeeded)
        {
            if (_agent.HasExited || DateTime.UtcNow > deadline)
            {
                throw new InvalidOperationException("rampartd did not start: " + AgentOutput);
            }

            Thread.Sleep(100);
        }
    }

    public string Home { get; }

    public string AgentOutput => _agent.Output + _agent.Error;

    private static string Cli => Path.Combine(AppContext.BaseDirectory, "rampart.dll");

    private string SocketPath => Path.Combine(Home, "rampartd.sock");

    public ToolResult Rampart(params string[] arguments) =>
        Tool.Run(["ip", "netns", "exec", _namespace, "env", "RAMPART_HOME=" + Home, "dotnet", Cli, .. arguments]);

    /// <summary>A policy securing everything between this host and <paramref name="peer"/> through a host-to-host tunnel.</summary>
    public void AssignTunnelPolicy(string peer, CipherSuite suite, string preSharedKey)
    {
        ArgumentNullException.ThrowIfNull(suite);
        string[][] commands =
        [
            ["policy", "create", "Interop", "--no-default-response"],
            ["policy", "set", "Interop", "--mm-method", suite.RampartMainMode],
            ["filterlist", "create", "strongSwan"],
            ["filter", "add", "strongSwan", "--src", "me", "--dst", peer],
            ["filteraction", "create", "Interop ESP", "--negotiate", "--method", suite.RampartSecurityMethod],
            ["rule", "add", "Interop", "--filterlist", "strongSwan", "--action", "Interop ESP", "--auth", "psk:" + preSharedKey, "--tunnel", peer],
            ["policy", "assign", "Interop"],
        ];
        foreach (var command in commands)
        {
            Rampart(command).EnsureSuccess();
        }

        WaitUntilEnforcing("Interop");
    }

    /// <summary>Waits until rampartd says it enforces <paramref name="policy"/>, so no test packet passes before it.</summary>
    public void WaitUntilEnforcing(string policy)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (EnforcedPolicy() != policy)
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new InvalidOperationException($"rampartd did not apply policy {policy}: {AgentOutput}");
            }

            Thread.Sleep(100);
        }
    }

    private string? EnforcedPolicy()
    {
        using var status = JsonDocument.Parse(Rampart("agent", "status", "--json").EnsureSuccess().Output);
        return status.RootElement.TryGetProperty("policy", out var policy) && policy.ValueKind == JsonValueKind.Object
            && policy.TryGetProperty("assignedPolicy", out var name) ? name.GetString() : null;
    }

    /// <summary>The SAs rampartd runs (<c>rampart sa list --json</c>).</summary>
    public JsonElement SecurityAssociations()
    {
        using var document = JsonDocument.Parse(Rampart("sa", "list", "--json").EnsureSuccess().Output);
        return document.RootElement.Clone();
    }

    /// <summary>Audit events with the given number, through the control command <c>audit.query</c>.</summary>
    public IReadOnlyList<JsonElement> AuditEvents(int eventId)
    {
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        socket.Connect(new UnixDomainSocketEndPoint(SocketPath));
        socket.ReceiveTimeout = 10_000;
        using var stream = new NetworkStream(socket);
        var request = JsonSerializer.Serialize(new { command = "audit.query", arguments = new { eventId } });
        stream.Write(Encoding.UTF8.GetBytes(request + "\n"));
        using var reader = new StreamReader(stream, Encoding.UTF8);
        using var answer = JsonDocument.Parse(reader.ReadLine() ?? throw new IOException("no answer from rampartd"));
        Assert.True(answer.RootElement.GetProperty("ok").GetBoolean(), answer.RootElement.ToString());
        return [.. answer.RootElement.GetProperty("result").EnumerateArray().Select(e => e.Clone())];
    }

    /// <summary>The end of rampartd's IKE trace (trace/ike.log), for failure messages.</summary>
    public string IkeTraceTail()
    {
        var path = Path.Combine(Home, "trace", "ike.log");
        return File.Exists(path) ? string.Join('\n', File.ReadLines(path).TakeLast(40)) : "(no trace/ike.log)";
    }

    public void Dispose() => _agent.Dispose();
}
