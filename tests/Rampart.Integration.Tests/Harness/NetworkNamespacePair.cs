using System.Globalization;
using System.Text.RegularExpressions;

namespace Rampart.Integration.Tests.Harness;

/// <summary>
/// Two network namespaces joined by a veth pair: host A (192.0.2.1, 2001:db8::1, device veth-a) and
/// host B (192.0.2.2, 2001:db8::2, device veth-b). Names are unique per test run (rpt-PID-N-a/b) and the
/// devices are created inside the namespaces, so parallel runs never collide. Dispose kills every
/// process started here and every process left in the namespaces, then deletes them; stale rpt-*
/// namespaces of dead test processes are removed when a pair is created. No finaliser: tests dispose.
/// </summary>
public sealed partial class NetworkNamespacePair : IDisposable
{
    public const string AddressA = "192.0.2.1";
    public const string AddressB = "192.0.2.2";
    public const string Address6A = "2001:db8::1";
    public const string Address6B = "2001:db8::2";
    public const string DeviceA = "veth-a";
    public const string DeviceB = "veth-b";

    private static int _counter;
    private readonly List<IDisposable> _owned = [];
    private bool _disposed;

    public NetworkNamespacePair(int mtu = 1500)
    {
        Prerequisites.Require("ip");
        RemoveStaleNamespaces();
        string prefix = string.Create(CultureInfo.InvariantCulture, $"rpt-{Environment.ProcessId}-{Interlocked.Increment(ref _counter)}");
        A = prefix + "-a";
        B = prefix + "-b";
        try
        {
            Shell.Run("ip", "netns", "add", A).EnsureSuccess("ip netns add " + A);
            Shell.Run("ip", "netns", "add", B).EnsureSuccess("ip netns add " + B);
            Shell.Run("ip", "-n", A, "link", "add", DeviceA, "mtu", Text(mtu), "type", "veth", "peer", "name", DeviceB, "mtu", Text(mtu), "netns", B)
                .EnsureSuccess("veth");
            Configure(A, DeviceA, AddressA, Address6A);
            Configure(B, DeviceB, AddressB, Address6B);
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public string A { get; }

    public string B { get; }

    /// <summary>Runs a command in namespace <paramref name="ns"/> and waits for it.</summary>
    public static CommandResult Exec(string ns, params string[] command) =>
        Shell.Run("ip", ["netns", "exec", ns, .. command]);

    /// <summary>Starts a command in <paramref name="ns"/>; it is killed at the latest when the pair is disposed.</summary>
    public BackgroundProcess StartProcess(string ns, params string[] command)
    {
        // ip netns exec execs the command, so the PID is the command's own.
        var process = new BackgroundProcess("ip", ["netns", "exec", ns, .. command]);
        Own(process);
        return process;
    }

    /// <summary>Disposes <paramref name="resource"/> with the pair (before the namespaces go).</summary>
    public T Own<T>(T resource)
        where T : IDisposable
    {
        lock (_owned)
        {
            _owned.Add(resource);
        }

        return resource;
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        List<IDisposable> owned;
        lock (_owned)
        {
            owned = [.. _owned];
            owned.Reverse();
        }

        foreach (var resource in owned)
        {
            try
            {
                resource.Dispose();
            }
            catch (Exception)
            {
                // Keep cleaning up; the namespaces must go whatever happened.
            }
        }

        DeleteNamespace(A);
        DeleteNamespace(B);
    }

    private static void Configure(string ns, string device, string address, string address6)
    {
        Exec(ns, "sysctl", "-qw", "net.ipv4.conf.all.rp_filter=0", "net.ipv4.conf.default.rp_filter=0").EnsureSuccess("rp_filter");
        Exec(ns, "sysctl", "-qw", $"net.ipv4.conf.{device}.rp_filter=0").EnsureSuccess("rp_filter");
        Shell.Run("ip", "-n", ns, "link", "set", "lo", "up").EnsureSuccess("lo up");
        Shell.Run("ip", "-n", ns, "addr", "add", address + "/24", "dev", device).EnsureSuccess("ipv4 address");
        Shell.Run("ip", "-n", ns, "addr", "add", address6 + "/64", "dev", device, "nodad").EnsureSuccess("ipv6 address");
        Shell.Run("ip", "-n", ns, "link", "set", device, "up").EnsureSuccess("link up");
    }

    private static void DeleteNamespace(string ns)
    {
        if (string.IsNullOrEmpty(ns) || !File.Exists("/var/run/netns/" + ns))
        {
            return;
        }

        foreach (string pid in Shell.Run("ip", "netns", "pids", ns).Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            Shell.Run("kill", "-KILL", pid);
        }

        Shell.Run("ip", "netns", "del", ns);
    }

    private static void RemoveStaleNamespaces()
    {
        foreach (string line in Shell.Run("ip", "netns", "list").Output.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var match = StaleName().Match(line);
            if (match.Success && !Directory.Exists("/proc/" + match.Groups["pid"].Value))
            {
                DeleteNamespace(match.Groups["name"].Value);
            }
        }
    }

    private static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);

    [GeneratedRegex(@"^(?<name>rpt-(?<pid>\d+)-\d+-[ab])\b")]
    private static partial Regex StaleName();
}
