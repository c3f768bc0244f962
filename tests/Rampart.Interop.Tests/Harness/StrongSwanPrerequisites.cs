using Rampart.Lab;

namespace Rampart.Interop.Tests.Harness;

/// <summary>
/// Interop tests need root, network namespaces, strongSwan and tshark. Missing any of them fails the test with
/// what to install: a skipped test would prove nothing.
/// </summary>
public static class StrongSwanPrerequisites
{
    public static void Require()
    {
        Prerequisites.Require("ping", "tshark", "unshare", "swanctl");
        Prerequisites.RequireFiles(
            (StrongSwanPeer.Charon, "strongswan-charon"),
            ("/usr/lib/ipsec/plugins/libstrongswan-kernel-libipsec.so", "libcharon-extra-plugins"));
        if (!File.Exists("/dev/net/tun"))
        {
            throw new InvalidOperationException("strongSwan's userspace ESP needs /dev/net/tun, which this machine lacks.");
        }
    }
}
