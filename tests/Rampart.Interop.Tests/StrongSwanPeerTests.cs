using System.Globalization;
using Rampart.Interop.Tests.Harness;
using Rampart.Lab;

namespace Rampart.Interop.Tests;

/// <summary>
/// The interop tests' own strongSwan peer, checked without Rampart: two private charons (one per namespace, each with
/// its own directory, vici socket and pid file) negotiate with each other and carry a ping through kernel-libipsec,
/// and when the test body throws, both are stopped by PID and the namespaces are gone.
/// </summary>
[Collection(StrongSwanCollection.Name)]
public sealed class StrongSwanPeerTests
{
    [Fact]
    public void TwoPrivateCharons_TunnelAPing_AndStopByPidWhenTheTestFails()
    {
        StrongSwanPrerequisites.Require();
        var work = Directory.CreateTempSubdirectory("rampart-swanpeer-").FullName;
        var pids = new List<int>();
        var namespaces = new List<string>();
        try
        {
            var failure = Assert.Throws<InvalidOperationException>(RunTwoCharonsThenFail);

            void RunTwoCharonsThenFail()
            {
                using var network = new NetworkNamespacePair();
                namespaces.AddRange([network.A, network.B]);
                var suite = CipherSuite.Modern;
                var left = network.Own(new StrongSwanPeer(network.A, Path.Combine(work, "left"),
                    new StrongSwanConfiguration(NetworkNamespacePair.AddressA, NetworkNamespacePair.AddressB, StrongSwanLab.StrongSwanPsk, suite.StrongSwanIke, suite.StrongSwanEsp)));
                var right = network.Own(new StrongSwanPeer(network.B, Path.Combine(work, "right"),
                    new StrongSwanConfiguration(NetworkNamespacePair.AddressB, NetworkNamespacePair.AddressA, StrongSwanLab.StrongSwanPsk, suite.StrongSwanIke, suite.StrongSwanEsp)));
                pids.AddRange([left.ProcessId, right.ProcessId]);
                Assert.NotEqual(left.ProcessId, right.ProcessId);
                Assert.Equal(left.ProcessId.ToString(CultureInfo.InvariantCulture), File.ReadAllText(Path.Combine(left.Home, "run", "charon.pid")).Trim());
                Assert.Equal(right.ProcessId.ToString(CultureInfo.InvariantCulture), File.ReadAllText(Path.Combine(right.Home, "run", "charon.pid")).Trim());
                Assert.False(HostPidFileNames(pids), "a lab charon wrote the host's /run/charon.pid");

                left.Swanctl("--load-all").EnsureSuccess();
                right.Swanctl("--load-all").EnsureSuccess();
                var initiate = left.Swanctl("--initiate", "--ike", StrongSwanConfiguration.Connection, "--child", StrongSwanConfiguration.Child, "--timeout", "30");
                Assert.True(initiate.Succeeded, initiate.Output + "\n" + left.LogTail() + "\n" + right.LogTail());
                Assert.True(NetworkNamespacePair.Ping(network.A, NetworkNamespacePair.AddressB, 5), "no ping through the tunnel\n" + left.LogTail());
                Assert.Contains("INSTALLED, TUNNEL-in-UDP", left.Swanctl("--list-sas").EnsureSuccess().Output, StringComparison.Ordinal);
                Assert.Contains("INSTALLED, TUNNEL-in-UDP", right.Swanctl("--list-sas").EnsureSuccess().Output, StringComparison.Ordinal);
                var packets = ChildSaPackets(right.Swanctl("--list-sas").Output);
                Assert.True(packets > 0, "the ping did not go through strongSwan's ESP");

                throw new InvalidOperationException("the test failed here");
            }

            Assert.Equal("the test failed here", failure.Message);
            Assert.Equal(2, pids.Count);
            Assert.All(pids, pid => Assert.False(Directory.Exists("/proc/" + pid.ToString(CultureInfo.InvariantCulture)), $"charon {pid} survived"));
            Assert.All(namespaces, name => Assert.False(File.Exists("/var/run/netns/" + name), name + " survived"));
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    private static bool HostPidFileNames(List<int> pids) =>
        File.Exists("/run/charon.pid") && pids.Contains(int.Parse(File.ReadAllText("/run/charon.pid").Trim(), CultureInfo.InvariantCulture));

    /// <summary>The inbound packet count of the first CHILD_SA in <c>swanctl --list-sas</c> ("in  c1234567,  84 bytes,  1 packets").</summary>
    private static int ChildSaPackets(string listing)
    {
        var line = listing.Split('\n').First(l => l.TrimStart().StartsWith("in ", StringComparison.Ordinal));
        var words = line.Split([' ', ','], StringSplitOptions.RemoveEmptyEntries);
        return int.Parse(words[Array.IndexOf(words, "packets") - 1], CultureInfo.InvariantCulture);
    }
}
