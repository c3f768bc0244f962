namespace Rampart.Lab;

/// <summary>
/// What a lab needs: root and Debian tools. A missing one fails with what to install (a skipped test would prove
/// nothing); <c>.ci/install-deps.sh</c> installs all of them.
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
        ["tcpdump"] = "tcpdump",
        ["ping"] = "iputils-ping",
        ["iperf3"] = "iperf3",
        ["python3"] = "python3",
        ["curl"] = "curl",
        ["setpriv"] = "util-linux",
        ["unshare"] = "util-linux",
        ["swanctl"] = "strongswan-swanctl",
        ["krb5kdc"] = "krb5-kdc",
        ["kdb5_util"] = "krb5-kdc",
        ["kadmin.local"] = "krb5-admin-server",
        ["klist"] = "krb5-user",
    };

    /// <summary>Throws unless this process is root and every tool (and <c>ip</c>) is installed.</summary>
    public static void Require(params string[] tools)
    {
        RequireRoot();
        if (MissingTool(tools) is { } missing)
        {
            throw new InvalidOperationException($"This test needs '{missing}': {HowToInstall(missing)}.");
        }
    }

    public static void RequireRoot()
    {
        if (!Environment.IsPrivilegedProcess)
        {
            throw new InvalidOperationException("This test needs root (network namespaces, netfilter, netlink): run it as root.");
        }
    }

    /// <summary>Throws unless each file exists; <c>package</c> is the Debian package that installs it.</summary>
    public static void RequireFiles(params (string Path, string Package)[] files)
    {
        ArgumentNullException.ThrowIfNull(files);
        foreach (var (path, package) in files)
        {
            if (!File.Exists(path))
            {
                throw new InvalidOperationException($"This test needs {path}: run .ci/install-deps.sh (apt-get install {package}).");
            }
        }
    }

    /// <summary>The first of <c>ip</c> and <paramref name="tools"/> that is not installed; null when all are.</summary>
    public static string? MissingTool(params string[] tools) => tools.Prepend("ip").FirstOrDefault(tool => !Tool.IsInstalled(tool));

    public static string HowToInstall(string tool)
    {
        var package = PackageOf.GetValueOrDefault(tool, tool);
        return $"install the Debian package '{package}' (apt-get install {package}; .ci/install-deps.sh installs them all)";
    }
}
