using System.Text.Json;
using Rampart.Lab;
using Rampart.TestLab;
using static Rampart.EndToEnd.Tests.CertificateLab;

namespace Rampart.EndToEnd.Tests;

/// <summary>
/// The walkthrough's "Using certificate authentication" between two real rampartd hosts, all through the CLI: CAs made
/// with <c>rampart ca</c>, certificates imported and CAs trusted with <c>rampart cert</c>, rules with
/// <c>--auth cert:CA-NAME</c>; CRLs served by a real HTTP server (python3's http.server) in B's namespace.
/// Needs root, iproute2, iptables, ping, tshark and python3; fails (does not skip) without them.
/// </summary>
[Collection(NetnsCollection.Name)]
public sealed class CertificateAuthenticationTests
{
    private const string CaName = "Rampart Test CA";
    private const string OtherCaName = "Other CA";
    private const string SubjectA = "CN=a.rampart.test, O=Rampart";
    private const string SubjectB = "CN=b.rampart.test, O=Rampart";

    /// <summary>The CRL server: a documentation address on B's loopback, outside both hosts' Partner filters.</summary>
    private const string CrlServerAddress = "198.51.100.80";

    // Longer than the PSK tests': signatures and a CRL fetch, on a machine shared with builds.
    private static readonly TimeSpan NegotiationDeadline = TimeSpan.FromSeconds(40);

    [Theory]
    [InlineData("rsa-2048")]
    [InlineData("ecdsa-p256")]
    public async Task BothHostsHoldCertificatesOfTheNamedCa_PingNegotiates_AndOnlyEspCrossesTheLink(string key)
    {
        Prerequisites.Require("iptables", "ping", "tshark");
        using var pair = new NetworkNamespacePair();
        using var a = pair.Own(new AgentHost(pair, pair.A, NetworkNamespacePair.AddressA));
        using var b = pair.Own(new AgentHost(pair, pair.B, NetworkNamespacePair.AddressB));
        using var lab = new CertificateLab(a);
        a.Start();
        b.Start();
        var ca = lab.CreateCa(CaName, key);
        Enroll(a, lab.Issue(ca, SubjectA, a.Address, key), ca);
        Enroll(b, lab.Issue(ca, SubjectB, b.Address, key), ca);
        BuildPolicy(a, b.Address, CaName);
        BuildPolicy(b, a.Address, CaName);
        using var capture = pair.Own(new PacketCapture(pair, pair.A, NetworkNamespacePair.DeviceA));

        Wait.Until(() => a.Ping(b.Address), NegotiationDeadline, "a ping answered through IPsec\n" + a.AgentLogTail(30) + "\n" + a.IkeTraceTail());
        Assert.True(b.Ping(a.Address), "the partner's ping uses the same SA pair");
        Assert.Equal(2, a.SaList().Count);
        Assert.Equal(2, b.SaList().Count);

        capture.Stop();
        Assert.NotEmpty(capture.Fields("esp"));
        Assert.Empty(capture.Fields("icmp && !esp"));
        Assert.Empty(capture.Fields("ip && !udp.port == 500 && !esp"));
        var ikeMessages = capture.Fields("isakmp", "frame.number");
        Assert.True(ikeMessages.Count >= 9, $"Main Mode and Quick Mode captured ({ikeMessages.Count} IKE messages)");
        Assert.Empty(capture.Fields("isakmp && _ws.malformed", "frame.number"));

        // Main Mode's CERT payloads are encrypted; its CERTREQs (messages 3 and 4) name X.509 signature certificates in clear.
        Assert.NotEmpty(capture.Fields("isakmp.certreq.type == 4", "frame.number"));

        var mainMode = Assert.Single(await a.AuditAsync(541), r => Field(r, "InboundSpi") is null);
        Assert.Contains("CN=b.rampart.test", Field(mainMode, "Details"), StringComparison.Ordinal);
        Assert.Contains("CN=a.rampart.test", Field(Assert.Single(await b.AuditAsync(541), r => Field(r, "InboundSpi") is null), "Details"), StringComparison.Ordinal);
        Assert.Empty(await a.AuditAsync(544));

        var status = Assert.Single((await a.ControlAsync("ike.status")).GetProperty("mainModes").EnumerateArray());
        Assert.Contains("CN=b.rampart.test", status.GetProperty("peerIdentity").GetString(), StringComparison.Ordinal);
        var monitored = Assert.Single(Monitor(a).GetProperty("mainModes").EnumerateArray());
        Assert.Contains("CN=b.rampart.test", monitored.GetProperty("peerIdentity").GetString(), StringComparison.Ordinal);
        Assert.Equal(key == "rsa-2048" ? "Certificate (RSA signature)" : "Certificate (ECDSA-256 signature)", monitored.GetProperty("authentication").GetString());
        Assert.Contains("CN=b.rampart.test", a.Cli("monitor", "--once"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task RevokedCertificate_AcceptedAtCrlCheck0_RefusedAt1And2_AndAnUnreachableDistributionPoint_AcceptedAt1_RefusedAt2()
    {
        Prerequisites.Require("iptables", "ping", "python3");
        using var pair = new NetworkNamespacePair();
        using var a = pair.Own(new AgentHost(pair, pair.A, NetworkNamespacePair.AddressA));
        using var b = pair.Own(new AgentHost(pair, pair.B, NetworkNamespacePair.AddressB));
        using var lab = new CertificateLab(a);
        a.Start();
        b.Start();
        var published = System.IO.Directory.CreateDirectory(Path.Combine(lab.Directory, "www")).FullName;
        using var crlServer = pair.Own(new HttpFileServer(pair, pair.B, CrlServerAddress, 8080, published));
        crlServer.RouteFrom(pair.A, b.Address);

        var ca = lab.CreateCa(CaName, "ecdsa-p256");
        Enroll(a, lab.Issue(ca, SubjectA, a.Address, "ecdsa-p256"), ca);
        var revoked = lab.Issue(ca, SubjectB, b.Address, "ecdsa-p256", crlServer.Url("ca.crl"));
        Enroll(b, revoked, ca);
        a.Cli("ca", "revoke", ca, revoked);
        a.Cli("ca", "crl", ca, "--out", Path.Combine(published, "ca.crl"));
        BuildPolicy(a, b.Address, CaName);
        BuildPolicy(b, a.Address, CaName);

        // Level 0 (the default): no CRL is looked at.
        Assert.StartsWith("CRL checking: 0 ", a.Cli("cert", "crl-check"), StringComparison.Ordinal);
        Wait.Until(() => a.Ping(b.Address), NegotiationDeadline, "a ping at CRL check level 0\n" + a.AgentLogTail(30));
        Assert.DoesNotContain("ca.crl", crlServer.Log, StringComparison.Ordinal);

        foreach (var level in new[] { "1", "2" })
        {
            a.Cli("cert", "crl-check", level);
            Restart(a);
            Restart(b);
            ExpectRefused(a, b, "revoked", $"the revoked certificate at level {level}");
            Assert.Contains("GET /ca.crl", crlServer.Log, StringComparison.Ordinal);
        }

        // B's new certificate names a distribution point where nothing listens.
        b.Cli("cert", "delete", SubjectB);
        Enroll(b, lab.Issue(ca, SubjectB, b.Address, "ecdsa-p256", $"http://{CrlServerAddress}:8081/ca.crl"));
        Restart(a);
        Restart(b);
        ExpectRefused(a, b, "crl-unavailable", "an unreachable distribution point at level 2");

        a.Cli("cert", "crl-check", "1");
        Restart(a);
        Restart(b);
        var refusals = (await a.AuditAsync(544)).Count;
        Wait.Until(() => a.Ping(b.Address), NegotiationDeadline, "a ping at level 1 with an unreachable distribution point\n" + a.AgentLogTail(30));
        Assert.Equal(2, a.SaList().Count);
        Assert.Equal(refusals, (await a.AuditAsync(544)).Count);
    }

    [Fact]
    public async Task PeerCertificateFromACaTheRuleDoesNotName_IsRefusedWith544()
    {
        Prerequisites.Require("iptables", "ping");
        using var pair = new NetworkNamespacePair();
        using var a = pair.Own(new AgentHost(pair, pair.A, NetworkNamespacePair.AddressA));
        using var b = pair.Own(new AgentHost(pair, pair.B, NetworkNamespacePair.AddressB));
        using var lab = new CertificateLab(a);
        a.Start();
        b.Start();
        var ca = lab.CreateCa(CaName, "rsa-2048");
        var other = lab.CreateCa(OtherCaName, "rsa-2048");

        // A trusts both CAs but its rule names only its own; B's certificate comes from the other.
        Enroll(a, lab.Issue(ca, SubjectA, a.Address, "rsa-2048"), ca, other);
        Enroll(b, lab.Issue(other, SubjectB, b.Address, "rsa-2048"), ca, other);
        BuildPolicy(a, b.Address, CaName);
        BuildPolicy(b, a.Address, OtherCaName, CaName);

        ExpectRefused(a, b, "untrusted", "B's certificate from a CA A's rule does not name");
        Assert.Equal(0, (await a.ControlAsync("ike.status")).GetProperty("statistics").GetProperty("crlFailures").GetInt64());
        Assert.False(a.Ping(b.Address), "no SA, no clear traffic");
        Assert.Empty(b.SaList());
    }

    [Fact]
    public void CertificateImportedWithoutItsPrivateKey_PolicyAssignIsRefusedWithTheWalkthroughsMessage_AndNothingIsEnforced()
    {
        Prerequisites.Require("iptables");
        using var pair = new NetworkNamespacePair();
        using var a = pair.Own(new AgentHost(pair, pair.A, NetworkNamespacePair.AddressA));
        using var lab = new CertificateLab(a);
        a.Start();
        var ca = lab.CreateCa(CaName, "rsa-2048");
        var withKey = lab.Issue(ca, SubjectA, a.Address, "rsa-2048");
        Enroll(a, CertificateOnly(withKey), ca);
        Assert.Contains("No private key corresponds to this certificate", a.Cli("cert", "list"), StringComparison.Ordinal);

        a.Cli("filterlist", "create", "Partner Filter");
        a.Cli("filter", "add", "Partner Filter", "--src", a.Address, "--dst", NetworkNamespacePair.AddressB);
        a.Cli("filteraction", "create", "Partner Filter Action", "--negotiate", "--method", "high");
        a.Cli("policy", "create", "Partner");
        a.Cli("rule", "add", "Partner", "--filterlist", "Partner Filter", "--action", "Partner Filter Action", "--auth", "cert:" + CaName);
        var refused = a.Run("policy", "assign", "Partner");

        Assert.NotEqual(0, refused.ExitCode);
        Assert.Contains("have no private key", refused.Error, StringComparison.Ordinal);
        Assert.Contains("Computer certificates must have a private key", refused.Error, StringComparison.Ordinal);
        Assert.Null(a.EnforcedPolicy());
        using (var policies = JsonDocument.Parse(a.Cli("policy", "list", "--json")))
        {
            Assert.DoesNotContain(policies.RootElement.EnumerateArray(), p => p.GetProperty("assigned").GetBoolean());
        }

        // With its key the same policy is assigned.
        a.Cli("cert", "delete", SubjectA);
        a.Cli("cert", "import", withKey);
        a.Assign("Partner");
    }

    /// <summary>A's ping starts Main Mode; A refuses B's certificate: 544 with the reason, counted, in the monitor; no SA.</summary>
    private static void ExpectRefused(AgentHost a, AgentHost b, string reason, string what)
    {
        // The audit log outlives agent restarts: only a new record counts.
        IEnumerable<JsonElement> Refusals() => a.Audit(544).Where(r => Field(r, "Failure Reason")?.Contains(reason, StringComparison.Ordinal) == true);
        var before = Refusals().Count();
        Assert.False(a.Ping(b.Address), "the first ping starts IKE");
        Wait.Until(() => Refusals().Count() > before, NegotiationDeadline, $"544 ({reason}) for {what}\n{a.AgentLogTail(30)}");
        var refusal = Refusals().Last();
        Assert.Equal(b.Address, Field(refusal, "Peer IP Address"));
        Assert.Contains("CN=b.rampart.test", Field(refusal, "Failure Reason"), StringComparison.Ordinal);
        Assert.False(a.Ping(b.Address), what + ": no ping may pass");
        Assert.Empty(a.SaList());

        var statistics = a.Control("ike.status").GetProperty("statistics");
        Assert.True(statistics.GetProperty("certificatesRejected").GetInt64() >= 1, "certificatesRejected counted");
        var crl = reason is "revoked" or "crl-unavailable";
        Assert.Equal(crl, statistics.GetProperty("crlFailures").GetInt64() >= 1);
        var monitored = Monitor(a).GetProperty("statistics");
        Assert.True(monitored.GetProperty("certificatesRejected").GetInt64() >= 1, "the monitor shows the rejected certificate");
        Assert.Equal(crl, monitored.GetProperty("crlFailures").GetInt64() >= 1);
    }
}
