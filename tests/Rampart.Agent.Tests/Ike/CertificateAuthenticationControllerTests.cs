using System.Net;
using Rampart.Agent.Ike;
using Rampart.Core.Auditing;
using Rampart.Core.Policy;
using Rampart.Credentials.Certificates;

namespace Rampart.Agent.Tests.Ike;

/// <summary>
/// Certificate authentication through the agent's IKE controllers: each host's rule names a CA, the controller maps it
/// from the host's certificate store (real files, a CA made by <see cref="TestCertificateAuthority"/>), and the peer's
/// certificate is checked off the loop with the verdict posted back.
/// </summary>
public sealed class CertificateAuthenticationControllerTests : IDisposable
{
    private const string RootName = "Rampart Test Root";
    private const string OtherRootName = "Other Root";
    private readonly string _directory = Directory.CreateTempSubdirectory("rampart-cert-controller-").FullName;
    private readonly ControllerPair _pair;
    private readonly Dictionary<IPAddress, CertificateStore> _stores = [];

    public CertificateAuthenticationControllerTests()
    {
        _pair = new ControllerPair(certificates: (address, time) =>
        {
            var store = _stores[address] = new CertificateStore(Path.Combine(_directory, address.ToString()));
            return new IkeCertificateServices(new HostCertificates(store, time), new PeerCertificateValidator(store, new CrlCache(time), time));
        });
    }

    private TimeProvider Time => _pair.Time;

    [Theory]
    [InlineData(CaKeyAlgorithm.Rsa2048)]
    [InlineData(CaKeyAlgorithm.EcdsaP256)]
    [InlineData(CaKeyAlgorithm.EcdsaP384)]
    public void BothHostsHoldCertificatesOfTheNamedRoot_MainModeAuthenticatesWithThem(CaKeyAlgorithm key)
    {
        using var root = NewRoot("root", RootName, key);
        Enroll(TestPolicies.HostA, root, "CN=a.rampart.test");
        Enroll(TestPolicies.HostB, root, "CN=b.rampart.test");

        Negotiate([new AuthenticationMethod.Certificate(RootName)]);
        _pair.Pump(() => _pair.A.Controller.InstalledPairs == 1 && _pair.B.Controller.InstalledPairs == 1);

        Assert.DoesNotContain(_pair.A.Audits.Concat(_pair.B.Audits), r => r.EventId == AuditEventId.CertificateTrustFailed);
        var mainMode = Assert.Single(_pair.A.Controller.Status().MainModes);
        Assert.Contains("CN=b.rampart.test", mainMode.PeerIdentity, StringComparison.Ordinal);
        Assert.Contains("CN=a.rampart.test", Assert.Single(_pair.B.Controller.Status().MainModes).PeerIdentity, StringComparison.Ordinal);

        // The monitor shows the certificate's subject and the method, not the address and "Preshared key".
        var expected = key == CaKeyAlgorithm.Rsa2048 ? "Certificate (RSA signature)" : key == CaKeyAlgorithm.EcdsaP256 ? "Certificate (ECDSA-256 signature)" : "Certificate (ECDSA-384 signature)";
        Assert.Equal(expected, IkeMonitorSource.AuthenticationOf(mainMode));
    }

    [Fact]
    public void PeerCertificateFromACaTheRuleDoesNotName_IsRefusedWith544_AndNoSaIsInstalled()
    {
        using var root = NewRoot("root", RootName, CaKeyAlgorithm.Rsa2048);
        using var other = NewRoot("other", OtherRootName, CaKeyAlgorithm.Rsa2048);
        Enroll(TestPolicies.HostA, root, "CN=a.rampart.test");
        Enroll(TestPolicies.HostB, other, "CN=b.rampart.test");

        // A trusts only its own root; B's certificate comes from the other one.
        Trust(TestPolicies.HostB, root);
        _pair.A.Assign(TestPolicies.Partner(TestPolicies.HostA, TestPolicies.HostB, [new AuthenticationMethod.Certificate(RootName)]));
        _pair.B.Assign(TestPolicies.Partner(TestPolicies.HostB, TestPolicies.HostA, [new AuthenticationMethod.Certificate(OtherRootName), new AuthenticationMethod.Certificate(RootName)]));
        _pair.A.Controller.OnAcquire(PolicyIkeMappingTests.AcquireFor(_pair.A.Policy.Current, TestPolicies.HostA, TestPolicies.HostB));

        _pair.Pump(() => _pair.A.Audits.Any(r => r.EventId == AuditEventId.CertificateTrustFailed));

        var refused = _pair.A.Audits.First(r => r.EventId == AuditEventId.CertificateTrustFailed);
        Assert.Contains("untrusted", refused.Summary, StringComparison.Ordinal);
        Assert.Equal(0, _pair.A.Controller.InstalledPairs);
        Assert.Equal(0, _pair.B.Controller.InstalledPairs);
        Assert.True(_pair.A.Controller.Statistics().CertificatesRejected >= 1);
    }

    [Fact]
    public void RuleNamesACaWithNoPersonalCertificate_TheAcquireFailsWithTheWalkthroughsReason()
    {
        using var root = NewRoot("root", RootName, CaKeyAlgorithm.Rsa2048);
        Trust(TestPolicies.HostA, root);

        _pair.A.Assign(TestPolicies.Partner(TestPolicies.HostA, TestPolicies.HostB, [new AuthenticationMethod.Certificate(RootName)]));
        _pair.A.Controller.OnAcquire(PolicyIkeMappingTests.AcquireFor(_pair.A.Policy.Current, TestPolicies.HostA, TestPolicies.HostB));

        var failure = Assert.Single(_pair.A.Audits);
        Assert.Equal(AuditEventId.NegotiationFailed, failure.EventId);
        Assert.Contains("private key", failure.Summary, StringComparison.Ordinal);
        Assert.Equal(0, _pair.A.SentCount);
    }

    [Fact]
    public void CertificatesFirstThenAPreSharedKey_APeerWithOnlyTheKeyNegotiatesWithTheKey()
    {
        using var root = NewRoot("root", RootName, CaKeyAlgorithm.Rsa2048);
        Enroll(TestPolicies.HostA, root, "CN=a.rampart.test");

        Negotiate(
            [new AuthenticationMethod.Certificate(RootName), new AuthenticationMethod.PreSharedKey("ABC123")],
            [new AuthenticationMethod.PreSharedKey("ABC123")]);
        _pair.Pump(() => _pair.A.Controller.InstalledPairs == 1 && _pair.B.Controller.InstalledPairs == 1);
    }

    public void Dispose()
    {
        _pair.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    private void Negotiate(IReadOnlyList<AuthenticationMethod> a, IReadOnlyList<AuthenticationMethod>? b = null)
    {
        _pair.A.Assign(TestPolicies.Partner(TestPolicies.HostA, TestPolicies.HostB, a));
        _pair.B.Assign(TestPolicies.Partner(TestPolicies.HostB, TestPolicies.HostA, b ?? a));
        _pair.A.Controller.OnAcquire(PolicyIkeMappingTests.AcquireFor(_pair.A.Policy.Current, TestPolicies.HostA, TestPolicies.HostB));
    }

    private TestCertificateAuthority NewRoot(string directory, string name, CaKeyAlgorithm key) =>
        TestCertificateAuthority.Create(Path.Combine(_directory, directory), name, key, Time);

    /// <summary>A host certificate from <paramref name="ca"/> with its key in the host's personal store, and the CA trusted.</summary>
    private void Enroll(IPAddress host, TestCertificateAuthority ca, string subject)
    {
        using var issued = ca.Issue(new CertificateIssueRequest(subject, [host], []), Time.GetUtcNow());
        _stores[host].Import(ca.ExportPkcs12(issued, "pw"), "host.p12", [], null, "pw");
        Trust(host, ca);
    }

    private void Trust(IPAddress host, TestCertificateAuthority ca) => _stores[host].Trust(ca.Certificate.RawData, "ca.crt", null);
}
