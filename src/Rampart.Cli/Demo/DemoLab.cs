using System.Globalization;

namespace Rampart.Cli.Demo;

/// <summary>
/// Two hosts on one virtual wire: namespaces <c>rampart-demo-PID-a/b</c> (unique per run), host A 192.0.2.1 on
/// veth-a and host B 192.0.2.2 on veth-b, and a temporary directory for their state and captures. Dispose stops
/// every process started here (by PID), kills anything left in the namespaces, deletes them and the directory.
/// </summary>
internal sealed class DemoLab : IDisposable
{
    public const string AddressA = "192.0.2.1";
    public const string AddressB = "192.0.2.2";
    private const string NamespacePrefix = "rampart-demo-";
    private readonly List<IDisposable> _owned = [];

    private DemoLab(string prefix, string directory)
    {
        Directory = directory;
        A = new DemoHost("A", prefix + "-a", "veth-a", AddressA, AddressB, Path.Combine(directory, "a"));
        B = new DemoHost("B", prefix + "-b", "veth-b", AddressB, AddressA, Path.Combine(directory, "b"));
    }

    public DemoHost A { get; }

    public DemoHost B { get; }

    public string Directory { get; }

    public static DemoLab Create()
    {
        RemoveStaleNamespaces();
        var prefix = string.Create(CultureInfo.InvariantCulture, $"{NamespacePrefix}{Environment.ProcessId}");
        var lab = new DemoLab(prefix, System.IO.Directory.CreateTempSubdirectory("rampart-demo-").FullName);
        try
        {
            lab.CreateWire();
            return lab;
        }
        catch
        {
            lab.Dispose();
            throw;
        }
    }

    /// <summary>Keeps <paramref name="resource"/> until the lab is disposed (before the namespaces go).</summary>
    public T Own<T>(T resource)
        where T : IDisposable
    {
        _owned.Add(resource);
        return resource;
    }

    public void Dispose()
    {
        foreach (var resource in Enumerable.Reverse(_owned).Append(A).Append(B))
        {
            try
            {
                resource.Dispose();
            }
            catch (Exception e) when (e is InvalidOperationException or IOException or System.ComponentModel.Win32Exception)
            {
                // Keep cleaning up: the namespaces must go whatever happened.
            }
        }

        DeleteNamespace(A.Namespace);
        DeleteNamespace(B.Namespace);
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
            // A process that has just been killed may still hold a file for a moment; /tmp is cleaned anyway.
        }
    }

    private void CreateWire()
    {
        Ip("netns", "add", A.Namespace);
        Ip("netns", "add", B.Namespace);
        Ip("-n", A.Namespace, "link", "add", A.Device, "type", "veth", "peer", "name", B.Device, "netns", B.Namespace);
        foreach (var host in new[] { A, B })
        {
            Ip("-n", host.Namespace, "link", "set", "lo", "up");
            Ip("-n", host.Namespace, "addr", "add", host.Address + "/24", "dev", host.Device);
            Ip("-n", host.Namespace, "link", "set", host.Device, "up");

            // IPv6 router solicitations would only add noise to the capture the verdict reads.
            host.Exec("sysctl", "-qw", $"net.ipv6.conf.{host.Device}.disable_ipv6=1");
        }

        // Wait for the link, so the first demo ping is not lost to carrier detection.
        for (var attempt = 0; attempt < 20 && !A.Exec("ping", "-n", "-c", "1", "-W", "1", AddressB).Succeeded; attempt++)
        {
            Thread.Sleep(100);
        }
    }

    private static void Ip(params string[] arguments)
    {
        var result = ToolRunner.Run(["ip", .. arguments], TimeSpan.FromSeconds(30));
        if (!result.Succeeded)
        {
            throw new DemoFailureException($"ip {string.Join(' ', arguments)}: {result.Message}");
        }
    }

    /// <summary>Namespaces of an earlier demo that was killed (SIGKILL leaves no chance to clean up).</summary>
    private static void RemoveStaleNamespaces()
    {
        var list = ToolRunner.Run(["ip", "netns", "list"], TimeSpan.FromSeconds(10)).Output;
        foreach (var name in list.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => line.Split(' ')[0]))
        {
            var owner = name.StartsWith(NamespacePrefix, StringComparison.Ordinal) ? name[NamespacePrefix.Length..].Split('-')[0] : "";
            if (owner.Length > 0 && owner.All(char.IsAsciiDigit) && !System.IO.Directory.Exists("/proc/" + owner))
            {
                DeleteNamespace(name);
            }
        }
    }

    private static void DeleteNamespace(string name)
    {
        if (!File.Exists("/var/run/netns/" + name))
        {
            return;
        }

        var pids = ToolRunner.Run(["ip", "netns", "pids", name], TimeSpan.FromSeconds(10)).Output;
        foreach (var pid in pids.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            ToolRunner.Run(["kill", "-KILL", pid], TimeSpan.FromSeconds(5));
        }

        ToolRunner.Run(["ip", "netns", "del", name], TimeSpan.FromSeconds(10));
    }
}
