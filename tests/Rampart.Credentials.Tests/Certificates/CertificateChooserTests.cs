using System.Security.Cryptography.X509Certificates;
using Rampart.Credentials.Certificates;

namespace Rampart.Credentials.Tests.Certificates;

/// <summary>
/// Which certificate IKE sends (the walkthrough's rule): one from a CA the peer asked for and the rule lists, else
/// from the rule's first CA that has one; only certificates with their private key, valid now, chaining to the CA.
/// </summary>
public sealed class CertificateChooserTests : IDisposable
{
    private readonly TestPki _pki = new();
    private readonly TestPki _rsa = new(CaKeyAlgorithm.Rsa2048);

    private DateTimeOffset Now => _pki.Clock.GetUtcNow();

    [Fact]
    public void Choose_PeerAsksForTheSecondCa_GetsTheCertificateFromIt()
    {
        var fromRoot = Personal(_pki.Root.Issue(TestPki.Host("a.example"), Now));
        var fromOther = Personal(_pki.Other.Issue(TestPki.Host("b.example"), Now));
        var trusted = new[] { TestPki.Trusted(_pki.Root), TestPki.Trusted(_pki.Other) };

        var chosen = CertificateChooser.Choose([fromRoot, fromOther], trusted, ["Test Root", "Other Root"], [_pki.Other.Certificate.SubjectName], null, Now);

        Assert.Equal(fromOther.Certificate.Thumbprint, chosen!.Certificate.Thumbprint);
        Assert.Equal("Other Root", chosen.CaName);
    }

    [Fact]
    public void Choose_PeerAsksForACaNotInTheRule_GetsTheRulesFirstCa()
    {
        var fromRoot = Personal(_pki.Root.Issue(TestPki.Host("a.example"), Now));
        var fromOther = Personal(_pki.Other.Issue(TestPki.Host("b.example"), Now));
        var trusted = new[] { TestPki.Trusted(_pki.Root), TestPki.Trusted(_pki.Other) };

        var unknown = new X500DistinguishedName("CN=Somebody Else's CA");
        var chosen = CertificateChooser.Choose([fromOther, fromRoot], trusted, ["Test Root", "Other Root"], [unknown], null, Now);
        var noRequest = CertificateChooser.Choose([fromOther, fromRoot], trusted, ["Other Root", "Test Root"], [], null, Now);

        Assert.Equal(fromRoot.Certificate.Thumbprint, chosen!.Certificate.Thumbprint);
        Assert.Equal(fromOther.Certificate.Thumbprint, noRequest!.Certificate.Thumbprint);
    }

    [Fact]
    public void Choose_ThroughAnIntermediateWeHold_SendsTheIntermediate_AndAnswersARequestForIt()
    {
        var host = _pki.Intermediate.Issue(TestPki.Host("host.example"), Now);
        var personal = new PersonalCertificate(host, [X509CertificateLoader.LoadCertificate(_pki.Intermediate.Certificate.RawData)]);
        var trusted = new[] { TestPki.Trusted(_pki.Root) };

        var byRoot = CertificateChooser.Choose([personal], trusted, ["Test Root"], [_pki.Root.Certificate.SubjectName], null, Now);
        var byIntermediate = CertificateChooser.Choose([personal], trusted, ["Test Root"], [_pki.Intermediate.Certificate.SubjectName], null, Now);

        Assert.Equal(host.Thumbprint, byRoot!.Certificate.Thumbprint);
        Assert.Equal([_pki.Intermediate.Certificate.Thumbprint], byRoot.Intermediates.Select(c => c.Thumbprint));
        Assert.Equal(host.Thumbprint, byIntermediate!.Certificate.Thumbprint);
    }

    [Fact]
    public void Choose_WithoutTheIntermediate_FindsNoPathToTheRoot()
    {
        var host = _pki.Intermediate.Issue(TestPki.Host("host.example"), Now);

        Assert.Null(CertificateChooser.Choose([new PersonalCertificate(host, [])], [TestPki.Trusted(_pki.Root)], ["Test Root"], [], null, Now));
    }

    [Fact]
    public void Choose_IntermediateImportedSeparately_IsUsedFromThePersonalStore()
    {
        var host = _pki.Intermediate.Issue(TestPki.Host("host.example"), Now);
        var intermediate = new PersonalCertificate(X509CertificateLoader.LoadCertificate(_pki.Intermediate.Certificate.RawData), []);

        var chosen = CertificateChooser.Choose([new PersonalCertificate(host, []), intermediate], [TestPki.Trusted(_pki.Root)], ["Test Root"], [], null, Now);

        Assert.Equal(host.Thumbprint, chosen!.Certificate.Thumbprint);
        Assert.Single(chosen.Intermediates);
    }

    [Fact]
    public void Choose_SkipsCertificatesWithoutPrivateKey_ExpiredOnes_AndOtherKeyKinds()
    {
        var noKey = Personal(TestPki.WithoutKey(_pki.Root.Issue(TestPki.Host("nokey.example"), Now)));
        var expired = Personal(_pki.Root.Issue(TestPki.Host("old.example", validity: TimeSpan.FromHours(1)), Now.AddDays(-1)));
        var p384 = Personal(_pki.Root.Issue(TestPki.Host("p384.example", key: CaKeyAlgorithm.EcdsaP384), Now));
        var good = Personal(_pki.Root.Issue(TestPki.Host("good.example"), Now));
        var trusted = new[] { TestPki.Trusted(_pki.Root) };
        PersonalCertificate[] personal = [noKey, expired, p384, good];

        Assert.Equal(p384.Certificate.Thumbprint, CertificateChooser.Choose(personal, trusted, ["Test Root"], [], null, Now)!.Certificate.Thumbprint);
        Assert.Equal(good.Certificate.Thumbprint, CertificateChooser.Choose(personal, trusted, ["Test Root"], [], CertificateKeyKind.EcdsaP256, Now)!.Certificate.Thumbprint);
        Assert.Null(CertificateChooser.Choose(personal, trusted, ["Test Root"], [], CertificateKeyKind.Rsa, Now));
        Assert.Equal(
            new HashSet<CertificateKeyKind> { CertificateKeyKind.EcdsaP256, CertificateKeyKind.EcdsaP384 },
            CertificateChooser.KeyKinds(personal, trusted, ["Test Root"], Now));
    }

    [Fact]
    public void Choose_RsaChain_ReportsRsa()
    {
        var host = Personal(_rsa.Intermediate.Issue(TestPki.Host("rsa.example"), Now), _rsa.Intermediate.Certificate);

        var chosen = CertificateChooser.Choose([host], [TestPki.Trusted(_rsa.Root)], ["Test Root"], [], CertificateKeyKind.Rsa, Now);

        Assert.NotNull(chosen);
        Assert.Equal(CertificateKeyKind.Rsa, CertificateKeyKinds.Of(chosen.Certificate));
    }

    [Fact]
    public void Choose_CaNotInTheTrustedStore_HasNoCertificate_EvenIfOneWasIssuedByIt()
    {
        var host = Personal(_pki.Other.Issue(TestPki.Host("b.example"), Now));

        Assert.Null(CertificateChooser.Choose([host], [TestPki.Trusted(_pki.Root)], ["Other Root"], [], null, Now));
        Assert.Empty(CertificateChooser.Authorities([TestPki.Trusted(_pki.Root)], ["Other Root"]));
    }

    [Fact]
    public void Authorities_AreTheNamedRootsSubjects_InTheRulesOrder()
    {
        var trusted = new[] { TestPki.Trusted(_pki.Root), TestPki.Trusted(_pki.Other) };

        var authorities = CertificateChooser.Authorities(trusted, ["Other Root", "Missing", "test root"]);

        Assert.Equal(["CN=Other Root", "CN=Test Root"], authorities.Select(a => a.Name));
    }

    public void Dispose()
    {
        _pki.Dispose();
        _rsa.Dispose();
    }

    private static PersonalCertificate Personal(X509Certificate2 certificate, params X509Certificate2[] intermediates) =>
        new(certificate, [.. intermediates.Select(TestPki.WithoutKey)]);
}
