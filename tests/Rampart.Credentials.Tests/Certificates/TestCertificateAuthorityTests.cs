using System.Diagnostics;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using Rampart.Credentials.Certificates;

namespace Rampart.Credentials.Tests.Certificates;

/// <summary>
/// The test CA's output checked by other implementations (real parts): OpenSSL verifies the chains and honours the
/// CRL; strongSwan's pki prints the certificates and the CRL and verifies the chain. Both tools are Debian packages
/// (.ci/install-deps.sh: openssl, strongswan-pki); without them these tests fail.
/// </summary>
public sealed class TestCertificateAuthorityTests : IDisposable
{
    private readonly TestPki _pki = new(CaKeyAlgorithm.Rsa2048);

    private DateTimeOffset Now => _pki.Clock.GetUtcNow();

    [Theory]
    [InlineData(CaKeyAlgorithm.Rsa2048)]
    [InlineData(CaKeyAlgorithm.Rsa3072)]
    [InlineData(CaKeyAlgorithm.EcdsaP256)]
    [InlineData(CaKeyAlgorithm.EcdsaP384)]
    public void Create_EachKeyAlgorithm_MakesASelfSignedCa_KeyFile0600(CaKeyAlgorithm key)
    {
        var directory = Path.Combine(_pki.Directory, "ca-" + CaKeyAlgorithms.Name(key));
        using var ca = TestCertificateAuthority.Create(directory, "Key Test", key, _pki.Clock);

        using var reopened = TestCertificateAuthority.Open(directory);

        Assert.Equal(ca.Certificate.Thumbprint, reopened.Certificate.Thumbprint);
        Assert.True(reopened.Certificate.HasPrivateKey);
        Assert.True(CertificateStore.IsSelfSigned(reopened.Certificate));
        Assert.True(CertificateStore.IsCertificateAuthority(reopened.Certificate));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(directory, "ca.key")));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(directory));
        var expectedKind = key switch
        {
            CaKeyAlgorithm.EcdsaP256 => CertificateKeyKind.EcdsaP256,
            CaKeyAlgorithm.EcdsaP384 => CertificateKeyKind.EcdsaP384,
            _ => CertificateKeyKind.Rsa,
        };
        Assert.Equal(expectedKind, CertificateKeyKinds.Of(reopened.Issue(TestPki.Host("h.example"), Now)));
    }

    [Fact]
    public void Create_InADirectoryHoldingACa_IsRefused()
    {
        var error = Assert.Throws<InvalidDataException>(() => TestCertificateAuthority.Create(Path.Combine(_pki.Directory, "root"), "Again", CaKeyAlgorithm.EcdsaP256, _pki.Clock));

        Assert.Contains("already holds a CA", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Issue_CarriesSubjectAltNamesEkuAndDistributionPoint()
    {
        var host = _pki.Root.Issue(
            new CertificateIssueRequest("CN=gw.example, O=Example", [IPAddress.Parse("192.0.2.7"), IPAddress.Parse("2001:db8::7")], ["gw.example"], IkeEku: true, CrlUrl: new Uri("http://192.0.2.1/root.crl")),
            Now);

        var names = host.Extensions.OfType<X509SubjectAlternativeNameExtension>().Single();
        Assert.Equal(["192.0.2.7", "2001:db8::7"], names.EnumerateIPAddresses().Select(a => a.ToString()));
        Assert.Equal(["gw.example"], names.EnumerateDnsNames());
        var ekus = host.Extensions.OfType<X509EnhancedKeyUsageExtension>().Single().EnhancedKeyUsages.Cast<System.Security.Cryptography.Oid>().Select(o => o.Value);
        Assert.Contains(PeerCertificateValidator.IkeIntermediateEku, ekus);
        Assert.Equal(["http://192.0.2.1/root.crl"], CrlDistributionPoints.Of(host));
        Assert.Equal("CN=gw.example, O=Example", host.Subject);
    }

    [Fact]
    public void Issue_BadSubject_IsRefusedClearly()
    {
        var error = Assert.Throws<InvalidDataException>(() => _pki.Root.Issue(new CertificateIssueRequest("not a DN", [], []), Now));

        Assert.Contains("distinguished name", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Revoke_SerialNotIssuedByTheCa_IsRefused_AndTwiceIsRefused()
    {
        var host = _pki.Root.Issue(TestPki.Host("h.example"), Now);
        var foreign = _pki.Other.Issue(TestPki.Host("f.example"), Now);

        Assert.Throws<InvalidDataException>(() => _pki.Root.Revoke("0123456789ABCDEF", Now));
        Assert.Throws<InvalidDataException>(() => _pki.Root.Revoke(foreign, Now));
        Assert.Equal(host.SerialNumber, _pki.Root.Revoke(host.SerialNumber.ToLowerInvariant(), Now));
        Assert.Throws<InvalidDataException>(() => _pki.Root.Revoke(host, Now));
    }

    [Fact]
    public void OpenSsl_VerifiesTheChain_AndRefusesTheRevokedCertificateWithTheCrl()
    {
        var good = _pki.Intermediate.Issue(TestPki.Host("good.example"), Now);
        var revoked = _pki.Intermediate.Issue(TestPki.Host("revoked.example"), Now);
        _pki.Intermediate.Revoke(revoked, Now);
        var root = Write("root.pem", _pki.Root.Certificate.ExportCertificatePem());
        var intermediate = Write("intermediate.pem", _pki.Intermediate.Certificate.ExportCertificatePem());
        var goodPath = Write("good.pem", good.ExportCertificatePem());
        var revokedPath = Write("revoked.pem", revoked.ExportCertificatePem());
        var crlDer = Path.Combine(_pki.Directory, "intermediate.crl");
        File.WriteAllBytes(crlDer, _pki.Intermediate.CreateCrl(Now));
        var crlPem = Path.Combine(_pki.Directory, "intermediate.crl.pem");
        Ok("openssl", "crl", "-inform", "DER", "-in", crlDer, "-out", crlPem);
        var rootCrlPem = Path.Combine(_pki.Directory, "root.crl.pem");
        File.WriteAllBytes(crlDer, _pki.Root.CreateCrl(Now));
        Ok("openssl", "crl", "-inform", "DER", "-in", crlDer, "-out", rootCrlPem);

        var chain = Ok("openssl", "verify", "-CAfile", root, "-untrusted", intermediate, goodPath);
        var withCrl = Ok("openssl", "verify", "-crl_check_all", "-CAfile", root, "-untrusted", intermediate, "-CRLfile", crlPem, "-CRLfile", rootCrlPem, goodPath);
        var refused = Refused("openssl", "verify", "-crl_check_all", "-CAfile", root, "-untrusted", intermediate, "-CRLfile", crlPem, "-CRLfile", rootCrlPem, revokedPath);

        Assert.Contains(": OK", chain, StringComparison.Ordinal);
        Assert.Contains(": OK", withCrl, StringComparison.Ordinal);
        Assert.Contains("certificate revoked", refused, StringComparison.Ordinal);
    }

    [Fact]
    public void OpenSsl_ReadsThePkcs12WithItsPassword()
    {
        var host = _pki.Intermediate.Issue(TestPki.Host("host.example"), Now);
        var p12 = Path.Combine(_pki.Directory, "host.p12");
        File.WriteAllBytes(p12, _pki.Intermediate.ExportPkcs12(host, "pw"));

        var output = Ok("openssl", "pkcs12", "-in", p12, "-passin", "pass:pw", "-nokeys");

        Assert.Contains("CN = host.example", output, StringComparison.Ordinal);
        Assert.Contains("subject=CN = Test Intermediate", output, StringComparison.Ordinal);
    }

    [Fact]
    public void StrongSwanPki_PrintsTheCrlAndCertificate_AndVerifiesTheChain()
    {
        var host = _pki.Root.Issue(TestPki.Host("host.example", ikeEku: true), Now);
        _pki.Root.Revoke(host, Now);
        var crl = Path.Combine(_pki.Directory, "root.crl");
        File.WriteAllBytes(crl, _pki.Root.CreateCrl(Now));
        var hostPath = Path.Combine(_pki.Directory, "host.der");
        File.WriteAllBytes(hostPath, host.RawData);
        var rootPath = Path.Combine(_pki.Directory, "root.der");
        File.WriteAllBytes(rootPath, _pki.Root.Certificate.RawData);
        var good = _pki.Root.Issue(TestPki.Host("good.example"), Now);
        var goodPath = Path.Combine(_pki.Directory, "good.der");
        File.WriteAllBytes(goodPath, good.RawData);

        var printedCrl = Ok("pki", "--print", "--type", "crl", "--in", crl);
        var printedCertificate = Ok("pki", "--print", "--in", hostPath);
        var verified = Ok("pki", "--verify", "--in", goodPath, "--cacert", rootPath, "--crl", crl);
        var refused = Refused("pki", "--verify", "--in", hostPath, "--cacert", rootPath, "--crl", crl);

        Assert.Contains("issuer:   \"CN=Test Root\"", printedCrl, StringComparison.Ordinal);
        Assert.Contains(host.SerialNumber.ToLowerInvariant().TrimStart('0')[..8], printedCrl.Replace(":", "", StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.Contains("ikeIntermediate", printedCertificate, StringComparison.Ordinal);
        Assert.Contains("certificate trusted", verified, StringComparison.Ordinal);
        Assert.Contains("revoked", refused, StringComparison.Ordinal);
    }

    public void Dispose() => _pki.Dispose();

    private string Write(string name, string text)
    {
        var path = Path.Combine(_pki.Directory, name);
        File.WriteAllText(path, text + "\n");
        return path;
    }

    private static string Ok(string program, params string[] args) => Run(true, program, args);

    private static string Refused(string program, params string[] args) => Run(false, program, args);

    private static string Run(bool expectSuccess, string program, string[] args)
    {
        var info = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        Assert.True(process.WaitForExit(30_000), $"{program} did not finish");
        var output = stdout.Result + stderr.Result;
        Assert.True((process.ExitCode == 0) == expectSuccess, $"{program} {string.Join(' ', args)} exited {process.ExitCode}: {output}");
        return output;
    }
}
