using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Rampart.Core.Control;
using Rampart.Store;

namespace Rampart.Cli.Demo;

/// <summary>One demo host: a network namespace with an address on the veth, its own RAMPART_HOME and agent.</summary>
internal sealed partial class DemoHost(string label, string networkNamespace, string device, string address, string peerAddress, string home) : IDisposable
{
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(60);
    private BackgroundTool? _agent;

    public string Label { get; } = label;

    public string Namespace { get; } = networkNamespace;

    public string Device { get; } = device;

    public string Address { get; } = address;

    public string PeerAddress { get; } = peerAddress;

    public string Home { get; } = home;

    public int? AgentId => _agent?.Id;

    /// <summary>Runs <paramref name="command"/> inside this host's namespace.</summary>
    public ToolResult Exec(params string[] command) => ToolRunner.Run(["ip", "netns", "exec", Namespace, .. command], CommandTimeout);

    /// <summary>Runs this rampart binary inside the host, against the host's own state directory.</summary>
    public ToolResult Rampart(params string[] arguments) => Rampart(null, arguments);

    private ToolResult Rampart(string? input, string[] arguments) => ToolRunner.Run(
        ["ip", "netns", "exec", Namespace, "env", $"{StoreLocation.HomeVariable}={Home}", .. RampartBinary.Command, .. arguments], CommandTimeout, input);

    /// <summary>Runs a rampart command that must succeed; a failure ends the demo with its message.</summary>
    public ToolResult RampartOrFail(params string[] arguments) => RampartWithInputOrFail(null, arguments);

    /// <summary>
    /// Runs a rampart command that must succeed with <paramref name="input"/> on its standard input: the pre-shared key
    /// goes there (<c>psk:-</c>), so it never shows in any process's argv.
    /// </summary>
    public ToolResult RampartWithInputOrFail(string? input, params string[] arguments)
    {
        var result = Rampart(input, arguments);
        return result.Succeeded
            ? result
            : throw new DemoFailureException($"host {Label}: rampart {string.Join(' ', arguments)} failed: {result.Message}");
    }

    /// <summary>Starts <c>rampart agent run</c> in the namespace and waits until it answers on its control socket.</summary>
    public void StartAgent(TimeSpan timeout, CancellationToken cancel)
    {
        Directory.CreateDirectory(Home, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        _agent = new BackgroundTool(
            ["ip", "netns", "exec", Namespace, "env", $"{StoreLocation.HomeVariable}={Home}", .. RampartBinary.Command, "agent", "run"],
            Path.Combine(Path.GetDirectoryName(Home)!, Label + "-agent.out"));
        var deadline = DateTime.UtcNow + timeout;
        while (!File.Exists(ControlEndpoint.SocketPath(Home)) || !Rampart("agent", "status").Succeeded)
        {
            cancel.ThrowIfCancellationRequested();
            if (_agent.HasExited || DateTime.UtcNow > deadline)
            {
                throw new DemoFailureException($"host {Label}: the agent did not start; its output:\n{_agent.ReadLog()}");
            }

            Thread.Sleep(100);
        }
    }

    /// <summary>Waits until the agent enforces <paramref name="policy"/> (null: none), so no demo packet passes before it.</summary>
    public void WaitUntilEnforcing(string? policy, CancellationToken cancel)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (EnforcedPolicy() != policy)
        {
            cancel.ThrowIfCancellationRequested();
            if (DateTime.UtcNow > deadline)
            {
                throw new DemoFailureException($"host {Label}: the agent did not apply policy '{policy}'");
            }

            Thread.Sleep(100);
        }
    }

    /// <summary>Whether the agent still runs and the last lines it wrote, for a failure report.</summary>
    public string AgentLogTail(int lines) =>
        _agent is null ? "" : string.Join('\n', _agent.ReadLog().Split('\n').TakeLast(lines));

    /// <summary>One echo request to the peer, waiting up to a second for the reply.</summary>
    public PingResult Ping()
    {
        var result = Exec("ping", "-n", "-c", "1", "-W", "1", PeerAddress);
        var match = RoundTrip().Match(result.Output);
        return result.Succeeded && match.Success
            ? new PingResult(true, double.Parse(match.Groups["ms"].Value, CultureInfo.InvariantCulture))
            : new PingResult(false, 0);
    }

    private string? EnforcedPolicy()
    {
        var response = AgentControl.Send(Home, "agent.status", null);
        return response.Ok && response.Result is { } status
            && status.TryGetProperty("policy", out var policy) && policy.ValueKind == JsonValueKind.Object
            && policy.TryGetProperty("assignedPolicy", out var name) ? name.GetString() : null;
    }

    public void Dispose()
    {
        _agent?.Dispose();
        _agent = null;
    }

    [GeneratedRegex(@"time=(?<ms>[0-9.]+) ms")]
    private static partial Regex RoundTrip();
}

/// <summary>Whether an echo request was answered, and in how many milliseconds.</summary>
internal readonly record struct PingResult(bool Answered, double Milliseconds);

/// <summary>The demo cannot go on; the message says why.</summary>
internal sealed class DemoFailureException(string message) : Exception(message);
