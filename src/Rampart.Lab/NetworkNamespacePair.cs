using System.Globalization;
using System.Text.RegularExpressions;

namespace Rampart.Lab;

/// <summary>
/// Two network namespaces joined by a veth pair: host A (192.0.2.1, 2001:db8::1, device veth-a) and host B
/// (192.0.2.2, 2001:db8::2, device veth-b), documentation addresses only. Names are unique per process
/// (PREFIX-PID-a/b, then PREFIX-PID-N-a/b for the N-th pair) and the devices are created inside the namespaces, so
/// parallel runs never collide. Dispose disposes what the pair owns (agents, captures, daemons: by PID), kills every
/// process left in the namespaces, then deletes them; namespaces of the prefix left by dead processes are removed
/// when a pair is created. No finaliser: owners dispose.
/// </summary>
public sealed partial class NetworkNamespacePair : IDisposable
{
    public const string AddressA = "192.0.2.1";
    public const string AddressB = "192.0.2.2";
    public const string Address6A = "2001:db8::1";
    public const string Address6B = "2001:db8::2";
    public const string DeviceA = "veth-a";
    public const string DeviceB = "veth-b";

    /// <summary>The prefix of the tests' namespaces.</summary>
    public const string TestPrefix = "rpt";

    private static int _counter;
    private readonly List<IDisposable> _owned = [];
    private bool _disposed;

    /// <summary>A pair for a test: IPv4 and IPv6 on the link, reverse-path filtering off.</summary>
    public NetworkNamespacePair(int mtu = 1500)
        : this(TestPrefix, mtu, ipv6: true)
    {
    }

    /// <param name="prefix">Names the namespaces <c>PREFIX-PID[-N]-a/b</c>.</param>
    /// <param name="mtu">The veth's MTU.</param>
    /// <param name="ipv6">Give the hosts IPv6 addresses; false disables IPv6 on the link (no router solicitations in a capture).</param>
    public NetworkNamespacePair(string prefix, int mtu = 1500, bool ipv6 = true)
    {
        ArgumentException.ThrowIfNullOrEmpty(prefix);
        Prerequisites.Require();
        RemoveStaleNamespaces(prefix);
        int number = Interlocked.Increment(ref _counter);
        string name = number == 1
            ? string.Create(CultureInfo.InvariantCulture, $"{prefix}-{Environment.ProcessId}")
            : string.Create(CultureInfo.InvariantCulture, $"{prefix}-{Environment.ProcessId}-{number}");
        A = name + "-a";
        B = name + "-b";
        try
        {
            Ip("netns", "add", A);
            Ip("netns", "add", B);
            Ip("-n", A, "link", "add", DeviceA, "mtu", Text(mtu), "type", "veth", "peer", "name", DeviceB, "mtu", Text(mtu), "netns", B);
            Configure(A, DeviceA, AddressA, ipv6 ? Address6A : null);
            Configure(B, DeviceB, AddressB, ipv6 ? Address6B : null);
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public string A { get; }

    public string B { get; }

    /// <summary>The IPv4 address of the host in namespace <paramref name="ns"/>.</summary>
    public string AddressOf(string ns) => ns == A ? AddressA : ns == B ? AddressB : throw new ArgumentException(ns + " is not in this pair", nameof(ns));

    /// <summary>The IPv4 address of the other host.</summary>
    public string PeerOf(string ns) => ns == A ? AddressB : ns == B ? AddressA : throw new ArgumentException(ns + " is not in this pair", nameof(ns));

    /// <summary>The veth device of the host in namespace <paramref name="ns"/>.</summary>
    public string DeviceOf(string ns) => ns == A ? DeviceA : ns == B ? DeviceB : throw new ArgumentException(ns + " is not in this pair", nameof(ns));

    /// <summary>Runs a command in namespace <paramref name="ns"/> and waits for it.</summary>
    public static ToolResult Exec(string ns, params string[] command) => Tool.Run(["ip", "netns", "exec", ns, .. command]);

    /// <summary>One echo request from <paramref name="ns"/> to <paramref name="address"/>, waiting up to a second for the reply.</summary>
    public static PingResult Ping(string ns, string address)
    {
        var result = Exec(ns, "ping", "-n", "-c", "1", "-W", "1", address);
        var match = RoundTrip().Match(result.Output);
        return result.Succeeded && match.Success
            ? new PingResult(true, double.Parse(match.Groups["ms"].Value, CultureInfo.InvariantCulture))
            : new PingResult(false, 0);
    }

    /// <summary>Pings once a second until a reply comes or the attempts run out.</summary>
    public static bool Ping(string ns, string address, int attempts)
    {
        for (var i = 0; i < attempts; i++)
        {
            if (Ping(ns, address).Answered)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Waits until A reaches B, so a first ping is not lost to carrier detection.</summary>
    public void WaitForLink()
    {
        for (var attempt = 0; attempt < 20 && !Ping(A, AddressB).Answered; attempt++)
        {
            Thread.Sleep(100);
        }
    }

    /// <summary>Starts a command in <paramref name="ns"/>; it is killed by PID at the latest when the pair is disposed.</summary>
    public BackgroundProcess StartProcess(string ns, params string[] command) => StartProcess(ns, command, null);

    /// <summary>As <see cref="StartProcess(string, string[])"/>, with extra environment variables.</summary>
    public BackgroundProcess StartProcess(string ns, IReadOnlyList<string> command, IReadOnlyDictionary<string, string>? environment)
    {
        // ip netns exec execs the command, so the PID is the command's own.
        return Own(new BackgroundProcess(["ip", "netns", "exec", ns, .. command], environment));
    }

    /// <summary>Disposes <paramref name="resource"/> with the pair (in reverse order, before the namespaces go).</summary>
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

    private static void Configure(string ns, string device, string address, string? address6)
    {
        Exec(ns, "sysctl", "-qw", "net.ipv4.conf.all.rp_filter=0", "net.ipv4.conf.default.rp_filter=0").EnsureSuccess("rp_filter");
        Exec(ns, "sysctl", "-qw", $"net.ipv4.conf.{device}.rp_filter=0").EnsureSuccess("rp_filter");
        Ip("-n", ns, "link", "set", "lo", "up");
        Ip("-n", ns, "addr", "add", address + "/24", "dev", device);
        if (address6 is null)
        {
            Exec(ns, "sysctl", "-qw", $"net.ipv6.conf.{device}.disable_ipv6=1").EnsureSuccess("disable IPv6");
        }
        else
        {
            Ip("-n", ns, "addr", "add", address6 + "/64", "dev", device, "nodad");
        }

        Ip("-n", ns, "link", "set", device, "up");
    }

    private static void Ip(params string[] arguments) => Tool.Run(["ip", .. arguments]).EnsureSuccess("ip " + string.Join(' ', arguments));

    private static void DeleteNamespace(string? ns)
    {
        if (string.IsNullOrEmpty(ns) || !File.Exists("/var/run/netns/" + ns))
        {
            return;
        }

        foreach (string pid in Tool.Run("ip", "netns", "pids", ns).Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            Tool.Run("kill", "-KILL", pid);
        }

        Tool.Run("ip", "netns", "del", ns);
    }

    /// <summary>Namespaces of an earlier run that was killed (SIGKILL leaves no chance to clean up).</summary>
    private static void RemoveStaleNamespaces(string prefix)
    {
        foreach (string line in Tool.Run("ip", "netns", "list").Output.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var match = OwnedName().Match(line);
            if (match.Success && match.Groups["prefix"].Value == prefix && !Directory.Exists("/proc/" + match.Groups["pid"].Value))
            {
                DeleteNamespace(match.Groups["name"].Value);
            }
        }
    }

    private static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);

    [GeneratedRegex(@"^(?<name>(?<prefix>[a-z-]+?)-(?<pid>\d+)(-\d+)?-[ab])\b")]
    private static partial Regex OwnedName();

    [GeneratedRegex(@"time=(?<ms>[0-9.]+) ms")]
    private static partial Regex RoundTrip();
}

/// <summary>Whether an echo request was answered, and in how many milliseconds.</summary>
public readonly record struct PingResult(bool Answered, double Milliseconds);
