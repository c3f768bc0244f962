using System.Net.Sockets;
using System.Text.Json;
using Rampart.Core.Control;
using Rampart.Store;

namespace Rampart.Lab;

/// <summary>
/// One host of a <see cref="NetworkNamespacePair"/> running rampartd: its namespace, its own state directory
/// (RAMPART_HOME), the agent started with <c>ip netns exec</c> (killed by PID, at the latest with the pair), the
/// <c>rampart</c> CLI run inside the namespace against that home, and the agent's control socket.
/// </summary>
public sealed class AgentHost : IDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan PolicyTimeout = TimeSpan.FromSeconds(30);
    private readonly bool _ownsHome;
    private readonly NetworkNamespacePair _pair;
    private BackgroundProcess? _agent;
    private bool _disposed;

    /// <param name="pair">The lab; it disposes this host with itself.</param>
    /// <param name="ns">The namespace of the pair this host is.</param>
    /// <param name="address">The host's address (its IPv4 address in the pair unless given, e.g. an IPv6 one).</param>
    /// <param name="home">The state directory; a temporary one, deleted with the host, unless given.</param>
    /// <param name="binaries">The CLI and agent to run; those built next to this assembly unless given.</param>
    public AgentHost(NetworkNamespacePair pair, string ns, string? address = null, string? home = null, RampartBinaries? binaries = null)
    {
        ArgumentNullException.ThrowIfNull(pair);
        _pair = pair;
        Namespace = ns;
        Name = ns == pair.A ? "A" : "B";
        Device = pair.DeviceOf(ns);
        Address = address ?? pair.AddressOf(ns);
        PeerAddress = pair.PeerOf(ns);
        Binaries = binaries ?? RampartBinaries.BesideThisAssembly;
        _ownsHome = home is null;
        Home = home ?? Directory.CreateTempSubdirectory("rampart-lab-home-").FullName;
        Directory.CreateDirectory(Home, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        pair.Own(this);
    }

    /// <summary>"A" or "B", for messages.</summary>
    public string Name { get; }

    public string Namespace { get; }

    public string Device { get; }

    public string Address { get; }

    /// <summary>The other host's IPv4 address.</summary>
    public string PeerAddress { get; }

    public string Home { get; }

    public RampartBinaries Binaries { get; }

    /// <summary>The agent's process id (ip netns exec and env exec it, so with the agent's own binaries this is rampartd's).</summary>
    public int AgentPid => _agent?.Id ?? throw new InvalidOperationException("rampartd is not running");

    public bool HasExited => _agent?.HasExited ?? true;

    /// <summary>What the agent wrote to standard output and error.</summary>
    public string AgentOutput => _agent?.Log ?? "";

    public string AgentLogTail(int lines) => _agent?.LogTail(lines) ?? "";

    /// <summary>
    /// Starts rampartd with extra <c>NAME=value</c> settings in <paramref name="environment"/> and waits until it has started
    /// every service (the host says "Application started", so every control command is registered) and has decided on
    /// its policy (enforced, none or failed: its data path is up).
    /// </summary>
    public AgentHost Start(params string[] environment)
    {
        _agent = _pair.StartProcess(Namespace, ["env", $"{StoreLocation.HomeVariable}={Home}", .. environment, .. RampartBinaries.Built(Binaries.Agent)], null);
        var deadline = DateTime.UtcNow + StartTimeout;
        while (!_agent.Log.Contains("Application started", StringComparison.Ordinal) || !HasDecidedOnPolicy())
        {
            if (_agent.HasExited || DateTime.UtcNow > deadline)
            {
                throw new InvalidOperationException($"rampartd on host {Name} ({Namespace}) did not start (exited: {_agent.HasExited}); its output:\n{_agent.Log}");
            }

            Thread.Sleep(100);
        }

        return this;
    }

    /// <summary>SIGKILL, as a crash: nothing of the agent runs its shutdown code (its netfilter chains stay); its stale socket is removed.</summary>
    public void Kill()
    {
        _agent?.Kill();
        File.Delete(ControlEndpoint.SocketPath(Home));
    }

    /// <summary>Runs <c>rampart ARGS</c> in this host's namespace against this host's state.</summary>
    public ToolResult Run(params string[] arguments) => RunWithInput(null, arguments);

    /// <summary>As <see cref="Run"/>, with <paramref name="input"/> on standard input (a key given as <c>psk:-</c> never shows in argv).</summary>
    public ToolResult RunWithInput(string? input, params string[] arguments) =>
        Tool.Run(["ip", "netns", "exec", Namespace, "env", $"{StoreLocation.HomeVariable}={Home}", .. RampartBinaries.Built(Binaries.Cli), .. arguments], CommandTimeout, input);

    /// <summary>Runs <c>rampart ARGS</c> and returns its output; throws with what it said when it fails.</summary>
    public string Cli(params string[] arguments) => Run(arguments).EnsureSuccess($"rampart {string.Join(' ', arguments)} on host {Name}").Output;

    /// <summary>Sends one control request; returns its result, throws if the agent refused it.</summary>
    public JsonElement Control(string command, object? arguments = null) =>
        ControlClient.ResultOf(command, ControlClient.Send(Home, command, arguments));

    public async Task<JsonElement> ControlAsync(string command, object? arguments = null) =>
        ControlClient.ResultOf(command, await ControlClient.SendAsync(Home, command, arguments).ConfigureAwait(false));

    /// <summary>Audit records with this event number, as the agent's <c>audit.query</c> returns them.</summary>
    public IReadOnlyList<JsonElement> Audit(int eventId) => Records(Control("audit.query", new { eventId }));

    public async Task<IReadOnlyList<JsonElement>> AuditAsync(int eventId) => Records(await ControlAsync("audit.query", new { eventId }).ConfigureAwait(false));

    /// <summary>The SAs as <c>rampart sa list --json</c> prints them.</summary>
    public IReadOnlyList<JsonElement> SaList()
    {
        using var document = JsonDocument.Parse(Cli("sa", "list", "--json"));
        return [.. document.RootElement.EnumerateArray().Select(row => row.Clone())];
    }

    /// <summary><see cref="SaList"/> by SPI.</summary>
    public IReadOnlyDictionary<uint, JsonElement> SaBySpi() => SaList().ToDictionary(row => row.GetProperty("spi").GetUInt32());

    /// <summary>The policy the agent enforces; null while none is, or while the agent does not answer.</summary>
    public string? EnforcedPolicy()
    {
        try
        {
            // A null name is left out of the JSON.
            return Control("policy.status").TryGetProperty("assignedPolicy", out var name) ? name.GetString() : null;
        }
        catch (Exception e) when (e is IOException or SocketException or InvalidOperationException)
        {
            return null;
        }
    }

    /// <summary>
    /// Waits until the agent enforces <paramref name="policy"/> (null: none), so no packet passes before it. A short name
    /// matches the full one ("Client" is "Client (Respond Only)").
    /// </summary>
    public void WaitUntilEnforcing(string? policy, CancellationToken cancel = default)
    {
        var deadline = DateTime.UtcNow + PolicyTimeout;
        while (!Matches(EnforcedPolicy(), policy))
        {
            cancel.ThrowIfCancellationRequested();
            if (DateTime.UtcNow > deadline)
            {
                throw new InvalidOperationException($"rampartd on host {Name} did not apply policy '{policy}'; its output:\n{AgentLogTail(30)}");
            }

            Thread.Sleep(100);
        }
    }

    /// <summary>Assigns a policy with the CLI and waits until the agent enforces it.</summary>
    public void Assign(string policy)
    {
        Cli("policy", "assign", policy);
        WaitUntilEnforcing(policy);
    }

    /// <summary>One ping with a one-second wait; true if answered.</summary>
    public bool Ping(string destination) => NetworkNamespacePair.Ping(Namespace, destination).Answered;

    /// <summary>The end of the agent's IKE trace (trace/ike.log), for failure messages.</summary>
    public string IkeTraceTail()
    {
        var path = Path.Combine(Home, "trace", "ike.log");
        return File.Exists(path) ? string.Join('\n', File.ReadLines(path).TakeLast(40)) : "(no trace/ike.log)";
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _agent?.Dispose();
        if (_ownsHome && Directory.Exists(Home))
        {
            Directory.Delete(Home, recursive: true);
        }
    }

    private bool HasDecidedOnPolicy()
    {
        try
        {
            var status = ControlClient.Send(Home, "policy.status", timeout: TimeSpan.FromSeconds(5));
            return status is { Ok: true, Result: { } result }
                && result.TryGetProperty("state", out var state) && state.GetString() is { } name && name != "starting";
        }
        catch (Exception e) when (e is IOException or SocketException)
        {
            return false;
        }
    }

    private static bool Matches(string? enforced, string? wanted) =>
        wanted is null ? enforced is null : enforced?.StartsWith(wanted, StringComparison.OrdinalIgnoreCase) == true;

    private static IReadOnlyList<JsonElement> Records(JsonElement result) => [.. result.EnumerateArray().Select(record => record.Clone())];
}
