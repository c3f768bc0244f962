namespace Rampart.Integration.Tests.Harness;

/// <summary>
/// Network-namespace tests need root and Debian tools. When they are missing the test fails with a message
/// saying what to install: a skipped test would prove nothing.
/// </summary>
public static class Prerequisites
{
    private static readonly Dictionary<string, string> PackageOf = new(StringComparer.Ordinal)
    {
        ["ip"] = "iproute2",
        ["iptables"] = "iptables",
        ["iptables-restore"] = "iptables",
        ["ip6tables-restore"] = "iptables",
        ["tshark"] = "tshark",
        ["ping"] = "iputils-ping",
        ["iperf3"] = "iperf3",
        ["python3"] = "python3",
    };

    public static void Require(params string[] tools)
    {
        if (!Environment.IsPrivilegedProcess)
        {
            throw new InvalidOperationException("This test needs root (network namespaces, iptables, netlink): run it as root.");
        }

        foreach (string tool in tools.Prepend("ip"))
        {
            if (FindOnPath(tool) is null)
            {
                string package = PackageOf.GetValueOrDefault(tool, tool);
                throw new InvalidOperationException($"This test needs '{tool}': install the Debian package '{package}' (apt-get install {package}).");
            }
        }
    }

    private static string? FindOnPath(string tool)
    {
        var directories = (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(':')
            .Concat(["/usr/sbin", "/sbin", "/usr/bin", "/bin"]);
        return directories.Select(directory => Path.Combine(directory, tool)).FirstOrDefault(File.Exists);
    }
}
