using System.Globalization;
using System.Text.RegularExpressions;

namespace Rampart.Lab;

/// <summary>
/// A <see cref="KerberosRealm"/>'s KDC (<c>krb5kdc -n</c>) in a network namespace of its own (PREFIX-PID[-N]-kdc),
/// on <see cref="KerberosRealm.KdcAddress"/> (198.51.100.88/24) on a bridge. <see cref="Connect"/> links a host's
/// namespace to it by a veth with an address of that subnet. <see cref="DropTraffic"/> makes the KDC unreachable
/// (packets silently dropped, as for a host that is down), which stalls Kerberos calls. Dispose kills the KDC by PID
/// and every process left in its namespace, removes the veths and deletes the namespace; namespaces of the prefix left
/// by dead processes are removed when a KDC host is created.
/// </summary>
public sealed partial class KdcHost : IDisposable
{
    public const string Bridge = "br-kdc";
    public const string HostDevice = "veth-kdc";

    private static int _counter;
    private readonly KerberosRealm _realm;
    private readonly List<string> _connected = [];
    private BackgroundProcess? _kdc;
    private bool _disposed;

    public KdcHost(KerberosRealm realm, string prefix = NetworkNamespacePair.TestPrefix)
    {
        ArgumentNullException.ThrowIfNull(realm);
        ArgumentException.ThrowIfNullOrEmpty(prefix);
        Prerequisites.Require("krb5kdc", "iptables");
        _realm = realm;
        RemoveStaleNamespaces(prefix);
        var number = Interlocked.Increment(ref _counter);
        Namespace = string.Create(CultureInfo.InvariantCulture, $"{prefix}-{Environment.ProcessId}-{number}-kdc");
        try
        {
            Ip("netns", "add", Namespace);
            Ip("-n", Namespace, "link", "set", "lo", "up");
            Ip("-n", Namespace, "link", "add", Bridge, "type", "bridge");
            Ip("-n", Namespace, "addr", "add", KerberosRealm.KdcAddress + "/24", "dev", Bridge);
            Ip("-n", Namespace, "link", "set", Bridge, "up");
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public string Namespace { get; }

    /// <summary>Links namespace <paramref name="ns"/> to the KDC: device veth-kdc there with <paramref name="address"/>/24 (198.51.100.0/24).</summary>
    public void Connect(string ns, string address)
    {
        var device = string.Create(CultureInfo.InvariantCulture, $"k{_connected.Count}");
        Ip("-n", Namespace, "link", "add", device, "type", "veth", "peer", "name", HostDevice, "netns", ns);
        _connected.Add(ns);
        Ip("-n", Namespace, "link", "set", device, "master", Bridge, "up");
        Ip("-n", ns, "addr", "add", address + "/24", "dev", HostDevice);
        Ip("-n", ns, "link", "set", HostDevice, "up");
    }

    /// <summary>Starts krb5kdc in the foreground and waits until it serves.</summary>
    public KdcHost Start()
    {
        _kdc = new BackgroundProcess(["ip", "netns", "exec", Namespace, "krb5kdc", "-n"], _realm.Environment);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (!File.Exists(_realm.KdcLog) || !File.ReadAllText(_realm.KdcLog).Contains("commencing operation", StringComparison.Ordinal))
        {
            if (_kdc.HasExited || DateTime.UtcNow > deadline)
            {
                throw new InvalidOperationException($"krb5kdc did not start (exited: {_kdc.HasExited}): {_kdc.Log} {Log()}");
            }

            Thread.Sleep(50);
        }

        return this;
    }

    /// <summary>From now on the KDC's packets are dropped without an answer: a client waits as for a KDC that is down.</summary>
    public void DropTraffic()
    {
        foreach (var protocol in new[] { "udp", "tcp" })
        {
            Tool.Run("ip", "netns", "exec", Namespace, "iptables", "-I", "INPUT", "-p", protocol, "--dport", "88", "-j", "DROP").EnsureSuccess("iptables DROP");
        }
    }

    /// <summary>The KDC's log (requests issued and refused), for failure messages.</summary>
    public string Log() => File.Exists(_realm.KdcLog) ? File.ReadAllText(_realm.KdcLog) : "(no kdc.log)";

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _kdc?.Dispose();
        foreach (var ns in _connected)
        {
            Tool.Run("ip", "-n", ns, "link", "del", HostDevice);
        }

        DeleteNamespace(Namespace);
    }

    private static void Ip(params string[] arguments) => Tool.Run(["ip", .. arguments]).EnsureSuccess("ip " + string.Join(' ', arguments));

    private static void DeleteNamespace(string ns)
    {
        if (string.IsNullOrEmpty(ns) || !File.Exists("/var/run/netns/" + ns))
        {
            return;
        }

        foreach (var pid in Tool.Run("ip", "netns", "pids", ns).Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            Tool.Run("kill", "-KILL", pid);
        }

        Tool.Run("ip", "netns", "del", ns);
    }

    private static void RemoveStaleNamespaces(string prefix)
    {
        foreach (var line in Tool.Run("ip", "netns", "list").Output.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var match = OwnedName().Match(line);
            if (match.Success && match.Groups["prefix"].Value == prefix && !Directory.Exists("/proc/" + match.Groups["pid"].Value))
            {
                DeleteNamespace(match.Groups["name"].Value);
            }
        }
    }

    [GeneratedRegex(@"^(?<name>(?<prefix>[a-z-]+?)-(?<pid>\d+)-\d+-kdc)\b")]
    private static partial Regex OwnedName();
}
