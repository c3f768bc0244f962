namespace Rampart.Interop.Tests.Harness;

/// <summary>
/// Interop tests need root, network namespaces, strongSwan and tshark. Missing any of them fails the test with
/// what to install: a skipped test would prove nothing.
/// </summary>
public static class Prerequisites
{
    private static readonly (string Path, string Package)[] Tools =
    [
        ("/usr/bin/ip", "iproute2"), ("/usr/bin/ping", "iputils-ping"), ("/usr/bin/tshark", "tshark"),
        ("/usr/lib/ipsec/charon", "strongswan-charon"), ("/usr/sbin/swanctl", "strongswan-swanctl"),
        ("/usr/lib/ipsec/plugins/libstrongswan-kernel-libipsec.so", "libcharon-extra-plugins"), ("/usr/bin/unshare", "util-linux"),
    ];

    public static void Require()
    {
        if (!Environment.IsPrivilegedProcess)
        {
            throw new InvalidOperationException("The strongSwan interop tests need root (network namespaces, TUN, mounts): run them as root.");
        }

        foreach (var (path, package) in Tools)
        {
            if (!File.Exists(path) && !File.Exists(path.Replace("/usr/bin/", "/usr/sbin/", StringComparison.Ordinal)))
            {
                throw new InvalidOperationException($"The interop tests need {path}: run .ci/install-deps.sh (apt-get install {package}).");
            }
        }

        if (!File.Exists("/dev/net/tun"))
        {
            throw new InvalidOperationException("strongSwan's userspace ESP needs /dev/net/tun, which this machine lacks.");
        }
    }
}
