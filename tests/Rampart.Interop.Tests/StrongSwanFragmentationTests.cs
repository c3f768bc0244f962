using System.Text.Json;
using Rampart.Interop.Tests.Harness;
using Rampart.Lab;

namespace Rampart.Interop.Tests;

/// <summary>
/// IKEv1 fragmentation (the FRAGMENTATION vendor ID scheme) between rampartd and a real strongSwan on a 1280-byte path:
/// strongSwan forced to fragment everything larger than 200-byte packets (MM1 included), Rampart fragmenting what does
/// not fit 256-byte packets, in both directions; then ESP carries pings both ways.
/// </summary>
[Collection(StrongSwanCollection.Name)]
public sealed class StrongSwanFragmentationTests
{
    private const int RampartFragmentSize = 256;
    private const int StrongSwanFragmentSize = 200;

    private static readonly LabFragmentation SmallFragments = new(Mtu: 1280, RampartFragmentSize: RampartFragmentSize, StrongSwanMode: "force", StrongSwanFragmentSize: StrongSwanFragmentSize);

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void MainModeInFragmentsBothWays_ThenPingPassesThroughEsp(bool rampartInitiates)
    {
        using var lab = new StrongSwanLab(CipherSuite.Modern, fragmentation: SmallFragments);

        if (rampartInitiates)
        {
            Assert.True(NetworkNamespacePair.Ping(lab.LeftNamespace, StrongSwanLab.StrongSwanAddress, 15), "no reply from strongSwan's side\n" + lab.Diagnostics());
        }
        else
        {
            var initiate = lab.Swanctl("--initiate", "--ike", StrongSwanLab.Connection, "--child", StrongSwanLab.Child, "--timeout", "30");
            Assert.True(initiate.Succeeded, $"swanctl --initiate failed: {initiate.Output}\n{lab.Diagnostics()}");
            Assert.True(NetworkNamespacePair.Ping(lab.LeftNamespace, StrongSwanLab.StrongSwanAddress, 3), "no reply to Rampart's ping\n" + lab.Diagnostics());
        }

        Assert.True(NetworkNamespacePair.Ping(lab.RightNamespace, StrongSwanLab.RampartAddress, 3), "no reply to strongSwan's ping\n" + lab.Diagnostics());
        Assert.Contains("ESTABLISHED", lab.Swanctl("--list-sas").EnsureSuccess().Output, StringComparison.Ordinal);
        Assert.True(lab.Rampart.SaList().Count >= 2, "rampartd runs no SA pair\n" + lab.Diagnostics());

        // Rampart reassembled strongSwan's fragments and strongSwan reassembled Rampart's.
        var fragments = lab.Rampart.Control("ike.status").GetProperty("statistics").GetProperty("fragments");
        Assert.True(Count(fragments, "received") >= 2, $"ike.status fragments: {fragments}\n{lab.Diagnostics()}");
        Assert.True(Count(fragments, "reassembled") >= 1, $"ike.status fragments: {fragments}");
        Assert.True(Count(fragments, "sent") >= 2, $"ike.status fragments: {fragments}");
        Assert.Equal(0, Count(fragments, "reassembliesDropped"));
        Assert.Contains("reassembled fragmented IKE message", lab.StrongSwanLog(), StringComparison.Ordinal);

        lab.StopCapture();
        Assert.True(lab.CountPackets($"isakmp.frag.seq && ip.src == {StrongSwanLab.RampartAddress}") >= 2, "Rampart sent no IKE fragment");
        Assert.True(lab.CountPackets($"isakmp.frag.seq && ip.src == {StrongSwanLab.StrongSwanAddress}") >= 2, "strongSwan sent no IKE fragment");
        Assert.Equal(0, lab.CountPackets($"isakmp.frag.seq && ip.src == {StrongSwanLab.RampartAddress} && ip.len > {RampartFragmentSize}"));
        if (!rampartInitiates)
        {
            // Forced, strongSwan sent even MM1 in fragments (no responder cookie yet), which Rampart answered.
            Assert.True(lab.CountPackets($"isakmp.frag.seq && isakmp.rspi == 00:00:00:00:00:00:00:00 && ip.src == {StrongSwanLab.StrongSwanAddress}") >= 2, "strongSwan's MM1 was not fragmented");
        }

        Assert.Equal(0, lab.CountPackets("isakmp && _ws.malformed"));
        Assert.Equal(0, lab.CountPackets("ip.flags.mf == 1 || ip.frag_offset > 0"));
        Assert.True(lab.CountPackets("udp.port == 4500 && esp") > 0, "no ESP in UDP 4500 on the wire");
        Assert.Equal(0, lab.CountPackets("icmp.type == 8 || icmp.type == 0"));
    }

    private static long Count(JsonElement fragments, string name) => fragments.GetProperty(name).GetInt64();
}
