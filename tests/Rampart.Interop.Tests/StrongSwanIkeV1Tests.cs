using Rampart.Interop.Tests.Harness;
using Rampart.Lab;

namespace Rampart.Interop.Tests;

/// <summary>
/// IKEv1 Main Mode + Quick Mode with a pre-shared key between rampartd and a real strongSwan 5.9.8, in both
/// directions, with the modern and the Windows 2000 legacy algorithms: a host-to-host tunnel in UDP 4500.
/// </summary>
[Collection(StrongSwanCollection.Name)]
public sealed class StrongSwanIkeV1Tests
{
    private const int PingAttempts = 15;

    [Theory]
    [InlineData(nameof(CipherSuite.Modern))]
    [InlineData(nameof(CipherSuite.Legacy))]
    public void RampartInitiates_StrongSwanResponds_PingPassesBothWays(string suiteName)
    {
        using var lab = new StrongSwanLab(CipherSuite.Named(suiteName));

        // The first echo request matches the Negotiate filter with no SA: the acquire starts Main Mode.
        Assert.True(NetworkNamespacePair.Ping(lab.LeftNamespace, StrongSwanLab.StrongSwanAddress, PingAttempts), "no reply from strongSwan's side\n" + lab.Diagnostics());
        Assert.True(NetworkNamespacePair.Ping(lab.RightNamespace, StrongSwanLab.RampartAddress, 3), "no reply to strongSwan's ping\n" + lab.Diagnostics());

        AssertEstablishedOnBothSides(lab);
        AssertWireSecuredAndDissectedCleanly(lab);
    }

    [Theory]
    [InlineData(nameof(CipherSuite.Modern))]
    [InlineData(nameof(CipherSuite.Legacy))]
    public void StrongSwanInitiates_RampartResponds_PingPassesBothWays(string suiteName)
    {
        using var lab = new StrongSwanLab(CipherSuite.Named(suiteName));

        var initiate = lab.Swanctl("--initiate", "--ike", StrongSwanLab.Connection, "--child", StrongSwanLab.Child, "--timeout", "30");
        Assert.True(initiate.Succeeded, $"swanctl --initiate failed: {initiate.Output}\n{lab.Diagnostics()}");
        Assert.True(NetworkNamespacePair.Ping(lab.RightNamespace, StrongSwanLab.RampartAddress, 3), "no reply to strongSwan's ping\n" + lab.Diagnostics());
        Assert.True(NetworkNamespacePair.Ping(lab.LeftNamespace, StrongSwanLab.StrongSwanAddress, 3), "no reply to Rampart's ping\n" + lab.Diagnostics());

        AssertEstablishedOnBothSides(lab);
        AssertWireSecuredAndDissectedCleanly(lab);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void WrongPreSharedKey_FailsCleanlyOnBothSides(bool rampartInitiates)
    {
        using var lab = new StrongSwanLab(CipherSuite.Modern, rampartPsk: "not-the-key-strongswan-has");

        if (rampartInitiates)
        {
            Assert.False(NetworkNamespacePair.Ping(lab.LeftNamespace, StrongSwanLab.StrongSwanAddress, 8), "a ping passed with the wrong key\n" + lab.Diagnostics());
        }
        else
        {
            Assert.False(lab.Swanctl("--initiate", "--ike", StrongSwanLab.Connection, "--child", StrongSwanLab.Child, "--timeout", "20").Succeeded);
            Assert.False(NetworkNamespacePair.Ping(lab.RightNamespace, StrongSwanLab.RampartAddress, 2), "a ping passed with the wrong key");
        }

        var strongSwanSas = lab.Swanctl("--list-sas").EnsureSuccess().Output;
        Assert.DoesNotContain("ESTABLISHED", strongSwanSas, StringComparison.Ordinal);
        Assert.DoesNotContain("INSTALLED", strongSwanSas, StringComparison.Ordinal);
        Assert.Empty(lab.Rampart.SaList());
        var failures = lab.Rampart.Audit(545);
        Assert.True(failures.Count > 0, "rampartd audited no 545 (IKE peer authentication failed)\n" + lab.Diagnostics());
        Assert.All(failures, e => Assert.Contains("AuthenticationFailed", e.GetProperty("summary").GetString(), StringComparison.Ordinal));
        Assert.Empty(lab.Rampart.Audit(541));

        lab.StopCapture();
        Assert.True(lab.CountPackets("isakmp") > 0, "no IKE on the wire");
        Assert.Equal(0, lab.CountPackets("isakmp && _ws.malformed"));
        Assert.Equal(0, lab.CountPackets("esp"));
        if (!rampartInitiates)
        {
            // As responder Rampart tells the initiator: notification AUTHENTICATION-FAILED (24). strongSwan, as
            // responder, answers a Main Mode it cannot decrypt with PAYLOAD-MALFORMED instead, its own choice.
            Assert.True(lab.CountPackets($"isakmp.notify.msgtype == 24 && ip.src == {StrongSwanLab.RampartAddress}") > 0, "Rampart sent no AUTHENTICATION-FAILED");
        }
    }

    [Fact]
    public void OneWayTraffic_RampartProbesWithDeadPeerDetection_StrongSwanAcknowledges_AndTheSasStay()
    {
        using var lab = new StrongSwanLab(CipherSuite.Modern, rampartEnvironment: ["RAMPART_IKE_DPD_IDLE_MS=2000"]);
        Assert.True(NetworkNamespacePair.Ping(lab.LeftNamespace, StrongSwanLab.StrongSwanAddress, PingAttempts), "no reply from strongSwan's side\n" + lab.Diagnostics());

        // strongSwan stops answering pings: Rampart sends through the tunnel and hears nothing back.
        Tool.Run(["ip", "netns", "exec", lab.RightNamespace, "iptables", "-A", "OUTPUT", "-p", "icmp", "--icmp-type", "echo-reply", "-j", "DROP"]).EnsureSuccess();
        Assert.False(NetworkNamespacePair.Ping(lab.LeftNamespace, StrongSwanLab.StrongSwanAddress, 8), "strongSwan still answered pings");

        var trace = File.ReadAllText(Path.Combine(lab.Rampart.Home, "trace", "ike.log"));
        Assert.Matches(@"R-U-THERE \d+ sent to 192\.0\.2\.2", trace);
        Assert.Matches(@"R-U-THERE-ACK \d+ from 192\.0\.2\.2", trace);
        Assert.DoesNotContain("did not answer dead peer detection", trace, StringComparison.Ordinal);
        Assert.True(lab.Rampart.SaList().Count >= 2, "rampartd removed the SAs of a live peer\n" + lab.Diagnostics());
        lab.StopCapture();
        Assert.Equal(0, lab.CountPackets("isakmp && _ws.malformed"));
    }

    private static void AssertEstablishedOnBothSides(StrongSwanLab lab)
    {
        var strongSwanSas = lab.Swanctl("--list-sas").EnsureSuccess().Output;
        Assert.Contains("ESTABLISHED", strongSwanSas, StringComparison.Ordinal);
        Assert.Contains("INSTALLED, TUNNEL-in-UDP", strongSwanSas, StringComparison.Ordinal);
        var rampartSas = lab.Rampart.SaList();
        Assert.True(rampartSas.Count >= 2, "rampartd runs no inbound/outbound pair: " + string.Join(", ", rampartSas));
        Assert.All(rampartSas, sa =>
        {
            Assert.False(sa.GetProperty("manual").GetBoolean());
            Assert.Equal("tunnel", sa.GetProperty("mode").GetString());
            Assert.True(sa.TryGetProperty("encapsulation", out _), "the SA is not UDP-encapsulated: " + sa);
        });
        Assert.NotEmpty(lab.Rampart.Audit(541));
    }

    /// <summary>Only IKE and ESP-in-UDP crossed the wire, and tshark dissects every IKE packet without a warning.</summary>
    private static void AssertWireSecuredAndDissectedCleanly(StrongSwanLab lab)
    {
        lab.StopCapture();
        Assert.True(lab.CountPackets("isakmp") > 0, "no IKE on the wire");
        Assert.Equal(0, lab.CountPackets("isakmp && _ws.malformed"));
        Assert.True(lab.CountPackets("udp.port == 4500 && isakmp") > 0, "IKE never floated to port 4500 (NAT-T)");
        Assert.True(lab.CountPackets("udp.port == 4500 && esp") > 0, "no ESP in UDP 4500 on the wire");
        Assert.Equal(0, lab.CountPackets("icmp.type == 8 || icmp.type == 0"));
    }
}

/// <summary>The interop labs run one at a time: each runs a charon, rampartd and tshark on two shared cores.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class StrongSwanCollection
{
    public const string Name = "strongSwan";
}
