using System.Text.Json;
using Rampart.Interop.Tests.Harness;
using Rampart.Lab;

namespace Rampart.Interop.Tests;

/// <summary>
/// IKEv1 Main Mode with signatures (RFC 2409 section 5.1) between rampartd and a real strongSwan 5.9.8 in its
/// ikev1-cert profile, certificates made by strongSwan's pki at run time: RSA and ECDSA both directions, then Quick
/// Mode and pings through ESP in UDP; a certificate from a CA Rampart's rule does not name refused with 544; and a
/// three-certificate RSA 4096 chain on a 1280-byte path, which only negotiates through IKE fragmentation.
/// </summary>
[Collection(StrongSwanCollection.Name)]
public sealed class StrongSwanCertificateTests(PkiFixture pkis) : IClassFixture<PkiFixture>
{
    private const int PingAttempts = 15;

    [Theory]
    [InlineData(nameof(PkiKey.Rsa2048), true)]
    [InlineData(nameof(PkiKey.Rsa2048), false)]
    [InlineData(nameof(PkiKey.EcdsaP256), true)]
    [InlineData(nameof(PkiKey.EcdsaP256), false)]
    [InlineData(nameof(PkiKey.EcdsaP384), true)]
    public void SignaturesInMainMode_ThenPingPassesThroughEsp(string keyName, bool rampartInitiates)
    {
        var pki = pkis.Get(PkiKey.Named(keyName), intermediate: false);
        using var lab = new StrongSwanLab(CipherSuite.Modern, certificates: new LabCertificates(pki));

        Negotiate(lab, rampartInitiates);
        AssertAuthenticatedBothWays(lab, pki);
        lab.StopCapture();
        AssertWireClean(lab);
    }

    /// <summary>strongSwan's ID is its address (ID_IPV4_ADDR), which Rampart finds among its certificate's iPAddress subjectAltNames.</summary>
    [Fact]
    public void AddressIdentityInTheSubjectAltName_IsAccepted()
    {
        var pki = pkis.Get(PkiKey.Rsa2048, intermediate: false);
        using var lab = new StrongSwanLab(CipherSuite.Modern, certificates: new LabCertificates(pki) { StrongSwanIdentity = StrongSwanLab.StrongSwanAddress });

        Negotiate(lab, rampartInitiates: false);
        AssertAuthenticatedBothWays(lab, pki);
        Assert.Contains($"authentication of '{StrongSwanLab.StrongSwanAddress}' (myself)", lab.StrongSwanLog(), StringComparison.Ordinal);
        lab.StopCapture();
        AssertWireClean(lab);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void CertificateFromACaTheRuleDoesNotName_IsRefusedWith544(bool rampartInitiates)
    {
        var pki = pkis.Get(PkiKey.Rsa2048, intermediate: false);
        using var lab = new StrongSwanLab(CipherSuite.Modern, certificates: new LabCertificates(pki, StrongSwanFromOtherRoot: true));

        if (rampartInitiates)
        {
            Assert.False(NetworkNamespacePair.Ping(lab.LeftNamespace, StrongSwanLab.StrongSwanAddress, 8), "a ping passed with a certificate from a CA the rule does not name\n" + lab.Diagnostics());
        }
        else
        {
            Assert.False(lab.Swanctl("--initiate", "--ike", StrongSwanLab.Connection, "--child", StrongSwanLab.Child, "--timeout", "20").Succeeded);
        }

        var refusals = lab.Rampart.Audit(544);
        Assert.True(refusals.Count > 0, "rampartd audited no 544\n" + lab.Diagnostics());
        Assert.Contains(refusals, e => Text(e).Contains(PkiCertificates.OtherRootName, StringComparison.Ordinal));
        Assert.Empty(lab.Rampart.Audit(541));
        Assert.Empty(lab.Rampart.SaList());
        Assert.DoesNotContain("INSTALLED", lab.Swanctl("--list-sas").EnsureSuccess().Output, StringComparison.Ordinal);
        lab.StopCapture();
        Assert.True(lab.CountPackets("isakmp") > 0, "no IKE on the wire");
        Assert.Equal(0, lab.CountPackets("isakmp && _ws.malformed"));
        Assert.Equal(0, lab.CountPackets("esp"));
    }

    /// <summary>Issue 10 item 6: root, intermediate and host all RSA 4096 on a 1280-byte path, both sides' default fragment size.</summary>
    [Fact]
    public void Rsa4096ChainOfThree_AtMtu1280_NegotiatesThroughIkeFragmentation()
    {
        var pki = pkis.Get(PkiKey.Rsa4096, intermediate: true);
        using var lab = new StrongSwanLab(CipherSuite.Modern, fragmentation: LabFragmentation.Mtu1280, certificates: new LabCertificates(pki));

        Negotiate(lab, rampartInitiates: true);
        AssertAuthenticatedBothWays(lab, pki);

        // Rampart's MM5 (two RSA 4096 certificates and a 512-byte signature) left in fragments strongSwan reassembled,
        // and strongSwan's MM6 came back in fragments Rampart reassembled.
        var fragments = lab.Rampart.Control("ike.status").GetProperty("statistics").GetProperty("fragments");
        Assert.True(Count(fragments, "sent") >= 2, $"ike.status fragments: {fragments}\n{lab.Diagnostics()}");
        Assert.True(Count(fragments, "received") >= 2, $"ike.status fragments: {fragments}");
        Assert.True(Count(fragments, "reassembled") >= 1, $"ike.status fragments: {fragments}");
        Assert.Equal(0, Count(fragments, "reassembliesDropped"));
        Assert.Contains("reassembled fragmented IKE message", lab.StrongSwanLog(), StringComparison.Ordinal);

        lab.StopCapture();
        AssertWireClean(lab);
        Assert.True(lab.CountPackets($"isakmp.frag.seq && ip.src == {StrongSwanLab.RampartAddress}") >= 2, "Rampart sent no IKE fragment");
        Assert.True(lab.CountPackets($"isakmp.frag.seq && ip.src == {StrongSwanLab.StrongSwanAddress}") >= 2, "strongSwan sent no IKE fragment");
        Assert.Equal(0, lab.CountPackets("ip.len > 1280"));
        Assert.Equal(0, lab.CountPackets("ip.flags.mf == 1 || ip.frag_offset > 0"));
    }

    private static void Negotiate(StrongSwanLab lab, bool rampartInitiates)
    {
        if (rampartInitiates)
        {
            Assert.True(NetworkNamespacePair.Ping(lab.LeftNamespace, StrongSwanLab.StrongSwanAddress, PingAttempts), "no reply from strongSwan's side\n" + lab.Diagnostics());
        }
        else
        {
            var initiate = lab.Swanctl("--initiate", "--ike", StrongSwanLab.Connection, "--child", StrongSwanLab.Child, "--timeout", "30");
            Assert.True(initiate.Succeeded, $"swanctl --initiate failed: {initiate.Output}\n{lab.Diagnostics()}");
            Assert.True(NetworkNamespacePair.Ping(lab.LeftNamespace, StrongSwanLab.StrongSwanAddress, 3), "no reply to Rampart's ping\n" + lab.Diagnostics());
        }

        Assert.True(NetworkNamespacePair.Ping(lab.RightNamespace, StrongSwanLab.RampartAddress, 3), "no reply to strongSwan's ping\n" + lab.Diagnostics());
    }

    /// <summary>Both sides established, each having verified the other's signature and certificate identity.</summary>
    private static void AssertAuthenticatedBothWays(StrongSwanLab lab, PkiCertificates pki)
    {
        var strongSwanSas = lab.Swanctl("--list-sas").EnsureSuccess().Output;
        Assert.Contains("ESTABLISHED", strongSwanSas, StringComparison.Ordinal);
        Assert.Contains("INSTALLED, TUNNEL-in-UDP", strongSwanSas, StringComparison.Ordinal);
        Assert.Contains($"authentication of '{pki.RampartSubject}' with", lab.StrongSwanLog(), StringComparison.Ordinal);
        Assert.True(lab.Rampart.SaList().Count >= 2, "rampartd runs no SA pair\n" + lab.Diagnostics());
        var established = lab.Rampart.Audit(541);
        Assert.NotEmpty(established);
        Assert.Contains(established, e => Text(e).Contains("CN=strongswan.test", StringComparison.Ordinal));
        Assert.Empty(lab.Rampart.Audit(544));
    }

    private static void AssertWireClean(StrongSwanLab lab)
    {
        Assert.True(lab.CountPackets("isakmp") > 0, "no IKE on the wire");
        Assert.Equal(0, lab.CountPackets("isakmp && _ws.malformed"));
        Assert.True(lab.CountPackets("udp.port == 4500 && esp") > 0, "no ESP in UDP 4500 on the wire");
        Assert.Equal(0, lab.CountPackets("icmp.type == 8 || icmp.type == 0"));
    }

    private static string Text(JsonElement auditEvent) => auditEvent.ToString();

    private static long Count(JsonElement fragments, string name) => fragments.GetProperty(name).GetInt64();
}

/// <summary>The class's PKIs, made once each (RSA 4096 keys take seconds), deleted after the class.</summary>
public sealed class PkiFixture : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("rampart-interop-pki-").FullName;
    private readonly Dictionary<(PkiKey, bool), PkiCertificates> _made = [];
    private readonly Lock _lock = new();

    public PkiCertificates Get(PkiKey key, bool intermediate)
    {
        ArgumentNullException.ThrowIfNull(key);
        lock (_lock)
        {
            if (!_made.TryGetValue((key, intermediate), out var pki))
            {
                var directory = Path.Combine(_root, $"{key.Type}{key.Size}{(intermediate ? "-chain" : "")}");
                pki = new PkiCertificates(directory, key, intermediate, StrongSwanLab.RampartAddress, StrongSwanLab.StrongSwanAddress);
                _made.Add((key, intermediate), pki);
            }

            return pki;
        }
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);
}
