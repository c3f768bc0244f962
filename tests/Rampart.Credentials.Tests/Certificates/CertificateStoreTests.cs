using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Rampart.Credentials.Certificates;
using Rampart.Store;

namespace Rampart.Credentials.Tests.Certificates;

/// <summary>The personal and trusted root stores on disk: formats, key matching, hostile files, file modes, links.</summary>
public sealed class CertificateStoreTests : IDisposable
{
    private readonly TestPki _pki = new();
    private readonly string _home;
    private readonly CertificateStore _store;

    public CertificateStoreTests()
    {
        _home = Path.Combine(_pki.Directory, "home");
        _store = new CertificateStore(_home);
    }

    private string PersonalDirectory => Path.Combine(_store.Directory, "personal");

    [Fact]
    public void Import_Pkcs12WithPassword_StoresCertificateKeyAndIntermediate_KeyFile0600()
    {
        var host = _pki.Intermediate.Issue(TestPki.Host("host.example"), _pki.Clock.GetUtcNow());
        var p12 = _pki.Intermediate.ExportPkcs12(host, "s3cret");

        var imported = _store.Import(p12, "host.p12", [], null, "s3cret");

        var listed = Assert.Single(_store.LoadPersonal());
        Assert.Equal(host.Thumbprint, listed.Certificate.Thumbprint);
        Assert.True(listed.HasPrivateKey);
        Assert.Equal(imported.Thumbprint, listed.Thumbprint);
        // The intermediate is kept to send after the certificate; the root (self-signed) is not.
        Assert.Equal([_pki.Intermediate.Certificate.Thumbprint], listed.Intermediates.Select(c => c.Thumbprint));
        var keyFile = Path.Combine(PersonalDirectory, listed.Thumbprint + ".key");
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(keyFile));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(_store.Directory));
        // The stored key signs what the certificate verifies.
        using var key = listed.Certificate.GetECDsaPrivateKey()!;
        using var publicKey = host.GetECDsaPublicKey()!;
        Assert.True(publicKey.VerifyData("ike"u8, key.SignData("ike"u8, HashAlgorithmName.SHA256), HashAlgorithmName.SHA256));
    }

    [Fact]
    public void Import_PemCertificateWithSeparateKey_HasPrivateKey()
    {
        var host = _pki.Root.Issue(TestPki.Host("host.example"), _pki.Clock.GetUtcNow());

        _store.Import(Pem(host), "host.crt", KeyPem(host), "host.key", null);

        Assert.True(Assert.Single(_store.LoadPersonal()).HasPrivateKey);
    }

    [Fact]
    public void Import_PemWithKeyInside_HasPrivateKey()
    {
        var host = _pki.Root.Issue(TestPki.Host("host.example", key: CaKeyAlgorithm.Rsa2048), _pki.Clock.GetUtcNow());

        _store.Import([.. KeyPem(host), .. Pem(host)], "host.pem", [], null, null);

        var listed = Assert.Single(_store.LoadPersonal());
        Assert.True(listed.HasPrivateKey);
        Assert.Equal(CertificateKeyKind.Rsa, listed.KeyKind);
    }

    [Fact]
    public void Import_DerCertificateAlone_HasNoPrivateKey()
    {
        var host = _pki.Root.Issue(TestPki.Host("host.example"), _pki.Clock.GetUtcNow());

        _store.Import(host.RawData, "host.der", [], null, null);

        var listed = Assert.Single(_store.LoadPersonal());
        Assert.False(listed.HasPrivateKey);
        Assert.False(File.Exists(Path.Combine(PersonalDirectory, listed.Thumbprint + ".key")));
    }

    [Fact]
    public void Import_AgainWithTheKey_AddsTheKey()
    {
        var host = _pki.Root.Issue(TestPki.Host("host.example"), _pki.Clock.GetUtcNow());
        _store.Import(host.RawData, "host.der", [], null, null);

        _store.Import(host.RawData, "host.der", KeyPem(host), "host.key", null);

        Assert.True(Assert.Single(_store.LoadPersonal()).HasPrivateKey);
    }

    [Fact]
    public void Import_KeyOfAnotherCertificate_IsRefused_AndNothingIsStored()
    {
        var host = _pki.Root.Issue(TestPki.Host("host.example"), _pki.Clock.GetUtcNow());
        var other = _pki.Root.Issue(TestPki.Host("other.example"), _pki.Clock.GetUtcNow());

        var error = Assert.Throws<InvalidDataException>(() => _store.Import(Pem(host), "host.crt", KeyPem(other), "other.key", null));

        Assert.Contains("does not match the certificate", error.Message, StringComparison.Ordinal);
        Assert.Empty(_store.LoadPersonal());
        Assert.False(Directory.Exists(PersonalDirectory) && Directory.EnumerateFiles(PersonalDirectory).Any());
    }

    [Fact]
    public void Import_Pkcs12WithWrongPassword_IsRefused_AndNothingIsStored()
    {
        var host = _pki.Root.Issue(TestPki.Host("host.example"), _pki.Clock.GetUtcNow());
        var p12 = _pki.Root.ExportPkcs12(host, "right");

        var wrong = Assert.Throws<InvalidDataException>(() => _store.Import(p12, "host.p12", [], null, "wrong"));
        var none = Assert.Throws<InvalidDataException>(() => _store.Import(p12, "host.p12", [], null, null));

        Assert.Contains("wrong password", wrong.Message, StringComparison.Ordinal);
        Assert.Contains("--password-file", none.Message, StringComparison.Ordinal);
        Assert.Empty(_store.LoadPersonal());
    }

    [Theory]
    [InlineData("garbage")]
    [InlineData("truncated-der")]
    [InlineData("truncated-p12")]
    [InlineData("truncated-pem")]
    [InlineData("empty")]
    public void Import_HostileFile_IsRefusedWithAClearError_AndNothingIsStored(string kind)
    {
        var host = _pki.Root.Issue(TestPki.Host("host.example"), _pki.Clock.GetUtcNow());
        var p12 = _pki.Root.ExportPkcs12(host, "pw");
        byte[] data = kind switch
        {
            "garbage" => RandomNumberGenerator.GetBytes(3000),
            "truncated-der" => host.RawData[..(host.RawData.Length / 2)],
            "truncated-p12" => p12[..(p12.Length / 2)],
            "truncated-pem" => Pem(host)[..200],
            _ => [],
        };

        var error = Assert.Throws<InvalidDataException>(() => _store.Import(data, "hostile.bin", [], null, "pw"));

        Assert.Contains("hostile.bin", error.Message, StringComparison.Ordinal);
        Assert.Empty(_store.LoadPersonal());
    }

    [Fact]
    public void InputFile_TooLarge_IsRefusedBeforeReading()
    {
        var path = Path.Combine(_pki.Directory, "huge.pem");
        using (var file = File.Create(path))
        {
            file.SetLength(CertificateInputFile.MaximumBytes + 1);
        }

        var error = Assert.Throws<InvalidDataException>(() => CertificateInputFile.Read(path));

        Assert.Contains("at most", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void InputFile_Device_IsRefused()
    {
        var error = Assert.Throws<InvalidDataException>(() => CertificateInputFile.Read("/dev/zero"));

        Assert.Contains("not a regular file", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void PasswordFile_ReadableByOthers_IsRefused()
    {
        var path = Path.Combine(_pki.Directory, "password");
        File.WriteAllText(path, "secret\n");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.OtherRead);

        Assert.Throws<InvalidDataException>(() => CertificateInputFile.ReadPassword(path));
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        Assert.Equal("secret", CertificateInputFile.ReadPassword(path));
    }

    [Fact]
    public void Import_ThroughALinkPlantedInTheStore_IsRefused_AndTheTargetIsUntouched()
    {
        var host = _pki.Root.Issue(TestPki.Host("host.example"), _pki.Clock.GetUtcNow());
        _store.Import(_pki.Other.Certificate.RawData, "other.der", [], null, null);
        var victim = Path.Combine(_pki.Directory, "victim");
        File.WriteAllText(victim, "precious");
        var thumbprint = new PersonalCertificate(host, []).Thumbprint;
        File.CreateSymbolicLink(Path.Combine(PersonalDirectory, thumbprint + ".key"), victim);

        Assert.ThrowsAny<IOException>(() => _store.Import(Pem(host), "host.crt", KeyPem(host), "host.key", null));
        Assert.Throws<UnsafeStateDirectoryException>(() => _store.LoadPersonal());
        Assert.Equal("precious", File.ReadAllText(victim));
    }

    [Fact]
    public void LoadTrusted_TrustedFileReplacedByALink_IsRefused()
    {
        _store.Trust(_pki.Root.Certificate.RawData, "root.der", null);
        var elsewhere = Path.Combine(_pki.Directory, "elsewhere.json");
        File.Move(Path.Combine(_store.Directory, "trusted.json"), elsewhere);
        File.CreateSymbolicLink(Path.Combine(_store.Directory, "trusted.json"), elsewhere);

        Assert.Throws<UnsafeStateDirectoryException>(() => _store.LoadTrusted());
    }

    [Fact]
    public void Delete_BySubjectThumbprintOrPrefix()
    {
        var a = _pki.Root.Issue(TestPki.Host("a.example"), _pki.Clock.GetUtcNow());
        var b = _pki.Root.Issue(TestPki.Host("b.example"), _pki.Clock.GetUtcNow());
        var c = _pki.Root.Issue(TestPki.Host("c.example"), _pki.Clock.GetUtcNow());
        foreach (var certificate in new[] { a, b, c })
        {
            _store.Import(Pem(certificate), "x.pem", KeyPem(certificate), "x.key", null);
        }

        var thumbprintOf = _store.LoadPersonal().ToDictionary(p => p.Certificate.GetNameInfo(X509NameType.SimpleName, false), p => p.Thumbprint);
        Assert.Equal("CN=a.example, O=Rampart Tests", _store.Delete("a.example").Certificate.Subject);
        Assert.Equal(thumbprintOf["b.example"], _store.Delete(thumbprintOf["b.example"].ToLowerInvariant()).Thumbprint);
        Assert.Equal(thumbprintOf["c.example"], _store.Delete(thumbprintOf["c.example"][..10]).Thumbprint);
        Assert.Empty(_store.LoadPersonal());
        Assert.Empty(Directory.EnumerateFiles(PersonalDirectory));
    }

    [Fact]
    public void Delete_AmbiguousSubject_IsRefusedListingTheThumbprints()
    {
        var first = _pki.Root.Issue(TestPki.Host("twin.example"), _pki.Clock.GetUtcNow());
        var second = _pki.Intermediate.Issue(TestPki.Host("twin.example"), _pki.Clock.GetUtcNow());
        _store.Import(first.RawData, "first.der", [], null, null);
        _store.Import(second.RawData, "second.der", [], null, null);

        var error = Assert.Throws<InvalidDataException>(() => _store.Delete("twin.example"));

        Assert.Contains(new PersonalCertificate(first, []).Thumbprint, error.Message, StringComparison.Ordinal);
        Assert.Contains(new PersonalCertificate(second, []).Thumbprint, error.Message, StringComparison.Ordinal);
        Assert.Equal(2, _store.LoadPersonal().Count);
    }

    [Fact]
    public void Trust_RootUnderItsCommonName_ThenUntrust()
    {
        var trusted = _store.Trust(Pem(_pki.Root.Certificate), "root.pem", null);

        Assert.Equal("Test Root", trusted.Name);
        Assert.Equal(_pki.Root.Certificate.Thumbprint, _store.FindTrusted("test root")!.Certificate.Thumbprint);
        Assert.False(_store.FindTrusted("Test Root")!.Certificate.HasPrivateKey);
        Assert.Equal("Test Root", _store.Untrust("TEST ROOT").Name);
        Assert.Empty(_store.LoadTrusted());
    }

    [Fact]
    public void Trust_IntermediateCa_IsAccepted_UnderAGivenName()
    {
        var trusted = _store.Trust(_pki.Intermediate.Certificate.RawData, "intermediate.der", "Corp Issuing");

        Assert.Equal("Corp Issuing", trusted.Name);
        Assert.Equal(["Corp Issuing"], _store.LoadTrusted().Select(a => a.Name));
    }

    [Fact]
    public void Trust_EndEntityCertificate_IsRefused()
    {
        var host = _pki.Root.Issue(TestPki.Host("host.example"), _pki.Clock.GetUtcNow());

        var error = Assert.Throws<InvalidDataException>(() => _store.Trust(host.RawData, "host.der", null));

        Assert.Contains("not a CA certificate", error.Message, StringComparison.Ordinal);
        Assert.Empty(_store.LoadTrusted());
    }

    [Fact]
    public void Trust_DuplicateNameOrCertificate_IsRefused()
    {
        _store.Trust(_pki.Root.Certificate.RawData, "root.der", null);

        Assert.Contains("already trusted as 'Test Root'", Assert.Throws<InvalidDataException>(() => _store.Trust(_pki.Root.Certificate.RawData, "root.der", "Again")).Message, StringComparison.Ordinal);
        Assert.Contains("already named", Assert.Throws<InvalidDataException>(() => _store.Trust(_pki.Other.Certificate.RawData, "other.der", "test root")).Message, StringComparison.Ordinal);
        Assert.Throws<InvalidDataException>(() => _store.Untrust("Nobody"));
    }

    [Fact]
    public void CrlCheckLevel_DefaultsToZero_AndPersists()
    {
        Assert.Equal(CrlCheckLevel.None, _store.LoadCrlCheckLevel());

        _store.SaveCrlCheckLevel(CrlCheckLevel.Strict);

        Assert.Equal(CrlCheckLevel.Strict, new CertificateStore(_home).LoadCrlCheckLevel());
    }

    public void Dispose() => _pki.Dispose();

    private static byte[] Pem(X509Certificate2 certificate) => System.Text.Encoding.ASCII.GetBytes(certificate.ExportCertificatePem() + "\n");

    private static byte[] KeyPem(X509Certificate2 certificate)
    {
        AsymmetricAlgorithm key = (AsymmetricAlgorithm?)certificate.GetRSAPrivateKey() ?? certificate.GetECDsaPrivateKey()!;
        return System.Text.Encoding.ASCII.GetBytes(key.ExportPkcs8PrivateKeyPem() + "\n");
    }
}
