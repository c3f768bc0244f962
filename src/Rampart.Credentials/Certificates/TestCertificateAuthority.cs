using System.Numerics;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;

namespace Rampart.Credentials.Certificates;

/// <summary>
/// A small CA for tests and small sites, in the spirit of strongSwan's <c>pki</c>: a root or an intermediate (issued
/// by another test CA) kept in a directory: <c>ca.crt</c> (its certificate), <c>chain.crt</c> (the CAs above it, for
/// an intermediate), <c>ca.key</c> (its private key, 0600), <c>ca.json</c> (issued and revoked serials, the CRL number).
/// It issues end-entity certificates (with the key, as PKCS#12), revokes them and signs CRLs (DER).
/// </summary>
public sealed class TestCertificateAuthority : IDisposable
{
    public static readonly TimeSpan DefaultCaValidity = TimeSpan.FromDays(3650);
    public static readonly TimeSpan DefaultValidity = TimeSpan.FromDays(365);
    public static readonly TimeSpan DefaultCrlValidity = TimeSpan.FromDays(7);

    private const string CertificateFile = "ca.crt";
    private const string ChainFile = "chain.crt";
    private const string KeyFile = "ca.key";
    private const string StateFile = "ca.json";
    private const UnixFileMode PrivateDirectory = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private const UnixFileMode PublicFile = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;

    private readonly string _directory;
    private readonly AuthorityState _state;

    private TestCertificateAuthority(string directory, X509Certificate2 certificate, IReadOnlyList<X509Certificate2> issuerChain, AuthorityState state)
    {
        _directory = directory;
        Certificate = certificate;
        IssuerChain = issuerChain;
        _state = state;
    }

    /// <summary>The CA's certificate, with its private key.</summary>
    public X509Certificate2 Certificate { get; }

    /// <summary>The CAs above this one, nearest first, ending at the root (empty for a root).</summary>
    public IReadOnlyList<X509Certificate2> IssuerChain { get; }

    /// <summary>The CA's common name (the name <c>cert trust</c> gives it by default).</summary>
    public string Name => Certificate.GetNameInfo(X509NameType.SimpleName, forIssuer: false);

    /// <summary>The key algorithm of the CA (and, by default, of the certificates it issues).</summary>
    public CaKeyAlgorithm KeyAlgorithm => _state.Key;

    /// <summary>The serials (hex) revoked so far.</summary>
    public IReadOnlyList<string> RevokedSerials => [.. _state.Revoked.Select(r => r.Serial)];

    /// <summary>
    /// Creates a CA in <paramref name="directory"/> (created 0700; it must not hold a CA already): a self-signed root,
    /// or, with <paramref name="issuer"/>, an intermediate it signs (whose certificate names <paramref name="crlUrl"/>,
    /// the issuer's CRL, as distribution point).
    /// </summary>
    public static TestCertificateAuthority Create(
        string directory, string name, CaKeyAlgorithm key, TimeProvider timeProvider, TestCertificateAuthority? issuer = null, Uri? crlUrl = null, TimeSpan? validity = null)
    {
        ArgumentNullException.ThrowIfNull(directory);
        ArgumentNullException.ThrowIfNull(timeProvider);
        if (string.IsNullOrWhiteSpace(name) || name.Any(char.IsControl))
        {
            throw new InvalidDataException("a CA needs a name of printable characters (--name)");
        }

        directory = Path.GetFullPath(directory);
        if (File.Exists(Path.Combine(directory, KeyFile)) || File.Exists(Path.Combine(directory, CertificateFile)))
        {
            throw new InvalidDataException($"{directory} already holds a CA; choose another directory");
        }

        if (File.Exists(directory))
        {
            throw new InvalidDataException($"{directory} is a file, not a directory");
        }

        var now = timeProvider.GetUtcNow();
        var subject = CommonName(name);
        using var privateKey = NewKey(key);
        var request = NewRequest(subject, privateKey, key);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign | X509KeyUsageFlags.DigitalSignature, true));
        var subjectKeyIdentifier = new X509SubjectKeyIdentifierExtension(request.PublicKey, false);
        request.CertificateExtensions.Add(subjectKeyIdentifier);
        var notBefore = now.AddMinutes(-5);
        var notAfter = now + (validity ?? DefaultCaValidity);
        X509Certificate2 certificate;
        if (issuer is null)
        {
            request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromSubjectKeyIdentifier(subjectKeyIdentifier));
            certificate = request.CreateSelfSigned(notBefore, notAfter);
        }
        else
        {
            if (notAfter > issuer.Certificate.NotAfter)
            {
                notAfter = issuer.Certificate.NotAfter;
            }

            AddIssuerExtensions(request, issuer, crlUrl);
            var serial = NextSerial();
            using var signed = request.Create(issuer.Certificate.SubjectName, issuer.SignatureGenerator(), notBefore, notAfter, serial);
            certificate = WithKey(signed, privateKey);
            issuer.RecordIssued(signed);
        }

        IReadOnlyList<X509Certificate2> chain = issuer is null ? [] : [X509CertificateLoader.LoadCertificate(issuer.Certificate.RawData), .. issuer.IssuerChain];
        var authority = new TestCertificateAuthority(directory, certificate, chain, new AuthorityState { Key = key });
        authority.SaveNew(privateKey);
        return authority;
    }

    /// <summary>Opens the CA kept in <paramref name="directory"/>.</summary>
    public static TestCertificateAuthority Open(string directory)
    {
        ArgumentNullException.ThrowIfNull(directory);
        directory = Path.GetFullPath(directory);
        var certificatePath = Path.Combine(directory, CertificateFile);
        if (!File.Exists(certificatePath))
        {
            throw new InvalidDataException($"{directory} holds no CA (no {CertificateFile}); create one with 'rampart ca create {directory} --name NAME'");
        }

        var parsed = CertificateFileParser.Parse(CertificateInputFile.Read(certificatePath), certificatePath, password: null);
        using var key = CertificateFileParser.ParseKey(CertificateInputFile.Read(Path.Combine(directory, KeyFile)), Path.Combine(directory, KeyFile), password: null);
        var certificate = key switch
        {
            RSA rsa => parsed.Certificates[0].CopyWithPrivateKey(rsa),
            ECDsa ecdsa => parsed.Certificates[0].CopyWithPrivateKey(ecdsa),
            _ => throw new InvalidDataException($"{directory}: the CA key is neither RSA nor ECDSA"),
        };
        var chainPath = Path.Combine(directory, ChainFile);
        var chain = File.Exists(chainPath) ? CertificateFileParser.Parse(CertificateInputFile.Read(chainPath), chainPath, password: null).Certificates : [];
        AuthorityState state;
        try
        {
            state = JsonSerializer.Deserialize(File.ReadAllBytes(Path.Combine(directory, StateFile)), AuthorityStateContext.Default.AuthorityState)
                ?? throw new InvalidDataException($"{directory}/{StateFile} is empty");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{directory}/{StateFile} is damaged: {e.Message}", e);
        }

        return new TestCertificateAuthority(directory, certificate, chain, state);
    }

    /// <summary>Issues an end-entity certificate; it carries its new private key. The chain to send is <see cref="IssuerChain"/> after this CA.</summary>
    public X509Certificate2 Issue(CertificateIssueRequest request, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(request);
        X500DistinguishedName subject;
        try
        {
            subject = new X500DistinguishedName(request.Subject);
        }
        catch (CryptographicException e)
        {
            throw new InvalidDataException($"'{request.Subject}' is not a distinguished name (e.g. \"CN=host.example, O=Example\"): {e.Message}", e);
        }

        if (subject.RawData.Length <= 2)
        {
            throw new InvalidDataException("the certificate needs a subject (--subject \"CN=host.example\")");
        }

        var algorithm = request.Key ?? _state.Key;
        using var privateKey = NewKey(algorithm);
        var certificateRequest = NewRequest(subject, privateKey, algorithm);
        certificateRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        certificateRequest.CertificateExtensions.Add(new X509KeyUsageExtension(
            privateKey is RSA ? X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment : X509KeyUsageFlags.DigitalSignature, true));
        certificateRequest.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(certificateRequest.PublicKey, false));
        if (request.Addresses.Count > 0 || request.DnsNames.Count > 0)
        {
            var names = new SubjectAlternativeNameBuilder();
            foreach (var address in request.Addresses)
            {
                names.AddIpAddress(address);
            }

            foreach (var dns in request.DnsNames)
            {
                names.AddDnsName(dns);
            }

            certificateRequest.CertificateExtensions.Add(names.Build());
        }

        if (request.IkeEku)
        {
            certificateRequest.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(
                [new Oid(PeerCertificateValidator.IkeIntermediateEku), new Oid(PeerCertificateValidator.IpsecIkeEku)], false));
        }

        AddIssuerExtensions(certificateRequest, this, request.CrlUrl);
        var notAfter = now + (request.Validity ?? DefaultValidity);
        if (notAfter > Certificate.NotAfter)
        {
            notAfter = Certificate.NotAfter;
        }

        using var signed = certificateRequest.Create(Certificate.SubjectName, SignatureGenerator(), now.AddMinutes(-5), notAfter, NextSerial());
        RecordIssued(signed);
        Save();
        return WithKey(signed, privateKey);
    }

    /// <summary>A PKCS#12 file of <paramref name="issued"/> (with its key) and the CA chain above it (AES-256, PBKDF2).</summary>
    public byte[] ExportPkcs12(X509Certificate2 issued, string password)
    {
        ArgumentNullException.ThrowIfNull(issued);
        var collection = new X509Certificate2Collection(issued);
        collection.Add(X509CertificateLoader.LoadCertificate(Certificate.RawData));
        collection.AddRange(IssuerChain.ToArray());
        return collection.ExportPkcs12(Pkcs12ExportPbeParameters.Pbes2Aes256Sha256, password);
    }

    /// <summary>Revokes a serial (hex, as <c>cert list</c> shows it) this CA issued; returns the serial as stored.</summary>
    public string Revoke(string serial, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(serial);
        var normalized = serial.Replace(":", "", StringComparison.Ordinal).Trim().ToUpperInvariant().TrimStart('0');
        var issued = _state.Issued.FirstOrDefault(i => i.Serial.TrimStart('0') == normalized)
            ?? throw new InvalidDataException($"CA '{Name}' did not issue a certificate with serial {serial}");
        if (_state.Revoked.Any(r => r.Serial == issued.Serial))
        {
            throw new InvalidDataException($"serial {issued.Serial} ({issued.Subject}) is already revoked");
        }

        _state.Revoked.Add(new RevokedEntry { Serial = issued.Serial, RevokedAt = now });
        Save();
        return issued.Serial;
    }

    /// <summary>Revokes the certificate in a file (certificate or PKCS#12); it must have been issued by this CA.</summary>
    public string Revoke(X509Certificate2 certificate, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        return !CertificateChooser.SameName(certificate.IssuerName, Certificate.SubjectName) || !CertificateSignature.IsSignedBy(certificate, Certificate)
            ? throw new InvalidDataException($"{certificate.Subject} was issued by {certificate.Issuer}, not by CA '{Name}'")
            : Revoke(certificate.SerialNumber, now);
    }

    /// <summary>A CRL (DER) of the revoked serials, valid from <paramref name="now"/> for <paramref name="validity"/>.</summary>
    public byte[] CreateCrl(DateTimeOffset now, TimeSpan? validity = null)
    {
        var builder = new CertificateRevocationListBuilder();
        foreach (var revoked in _state.Revoked)
        {
            builder.AddEntry(Convert.FromHexString(revoked.Serial), revoked.RevokedAt, X509RevocationReason.Unspecified);
        }

        _state.CrlNumber++;
        Save();
        var hash = HashFor(_state.Key);
        return builder.Build(Certificate, new BigInteger(_state.CrlNumber), now + (validity ?? DefaultCrlValidity), hash,
            Certificate.GetRSAPrivateKey() is null ? null : RSASignaturePadding.Pkcs1, now);
    }

    public void Dispose() => Certificate.Dispose();

    private static X500DistinguishedName CommonName(string name)
    {
        var builder = new X500DistinguishedNameBuilder();
        builder.AddCommonName(name.Trim());
        return builder.Build();
    }

    private static AsymmetricAlgorithm NewKey(CaKeyAlgorithm algorithm) => algorithm switch
    {
        CaKeyAlgorithm.Rsa2048 => RSA.Create(2048),
        CaKeyAlgorithm.Rsa3072 => RSA.Create(3072),
        CaKeyAlgorithm.EcdsaP256 => ECDsa.Create(ECCurve.NamedCurves.nistP256),
        CaKeyAlgorithm.EcdsaP384 => ECDsa.Create(ECCurve.NamedCurves.nistP384),
        _ => throw new ArgumentOutOfRangeException(nameof(algorithm)),
    };

    private static HashAlgorithmName HashFor(CaKeyAlgorithm algorithm) => algorithm == CaKeyAlgorithm.EcdsaP384 ? HashAlgorithmName.SHA384 : HashAlgorithmName.SHA256;

    private static CertificateRequest NewRequest(X500DistinguishedName subject, AsymmetricAlgorithm key, CaKeyAlgorithm algorithm) => key switch
    {
        RSA rsa => new CertificateRequest(subject, rsa, HashFor(algorithm), RSASignaturePadding.Pkcs1),
        ECDsa ecdsa => new CertificateRequest(subject, ecdsa, HashFor(algorithm)),
        _ => throw new ArgumentOutOfRangeException(nameof(key)),
    };

    private static X509Certificate2 WithKey(X509Certificate2 certificate, AsymmetricAlgorithm key) => key switch
    {
        RSA rsa => certificate.CopyWithPrivateKey(rsa),
        ECDsa ecdsa => certificate.CopyWithPrivateKey(ecdsa),
        _ => throw new ArgumentOutOfRangeException(nameof(key)),
    };

    private static void AddIssuerExtensions(CertificateRequest request, TestCertificateAuthority issuer, Uri? crlUrl)
    {
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(issuer.Certificate, includeKeyIdentifier: true, includeIssuerAndSerial: false));
        if (crlUrl is not null)
        {
            request.CertificateExtensions.Add(CertificateRevocationListBuilder.BuildCrlDistributionPointExtension([crlUrl.AbsoluteUri]));
        }
    }

    /// <summary>Signs with the CA key under the CA's own hash (SHA-384 for P-384, else SHA-256), PKCS#1 v1.5 for RSA.</summary>
    private X509SignatureGenerator SignatureGenerator() =>
        Certificate.GetRSAPrivateKey() is { } rsa
            ? X509SignatureGenerator.CreateForRSA(rsa, RSASignaturePadding.Pkcs1)
            : X509SignatureGenerator.CreateForECDsa(Certificate.GetECDsaPrivateKey()!);

    /// <summary>A random positive 16-byte serial (RFC 5280 allows 20 octets; randomness keeps serials unguessable).</summary>
    private static byte[] NextSerial()
    {
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] = (byte)((serial[0] & 0x7F) | 0x01);
        return serial;
    }

    private void RecordIssued(X509Certificate2 issued)
    {
        _state.Issued.Add(new IssuedEntry { Serial = issued.SerialNumber, Subject = issued.Subject, NotAfter = issued.NotAfter.ToUniversalTime() });
        Save();
    }

    private void SaveNew(AsymmetricAlgorithm key)
    {
        if (!Directory.Exists(_directory))
        {
            Directory.CreateDirectory(_directory, PrivateDirectory);
        }

        AtomicFile.Write(Path.Combine(_directory, KeyFile), Encoding.ASCII.GetBytes(PemEncoding.WriteString("PRIVATE KEY", ExportKey(key))), AtomicFile.Private);
        AtomicFile.Write(Path.Combine(_directory, CertificateFile), Encoding.ASCII.GetBytes(PemEncoding.WriteString("CERTIFICATE", Certificate.RawData) + "\n"), PublicFile);
        if (IssuerChain.Count > 0)
        {
            var chain = string.Concat(IssuerChain.Select(c => PemEncoding.WriteString("CERTIFICATE", c.RawData) + "\n"));
            AtomicFile.Write(Path.Combine(_directory, ChainFile), Encoding.ASCII.GetBytes(chain), PublicFile);
        }

        Save();
    }

    private static byte[] ExportKey(AsymmetricAlgorithm key) => key switch
    {
        RSA rsa => rsa.ExportPkcs8PrivateKey(),
        ECDsa ecdsa => ecdsa.ExportPkcs8PrivateKey(),
        _ => throw new ArgumentOutOfRangeException(nameof(key)),
    };

    private void Save()
    {
        if (Directory.Exists(_directory))
        {
            AtomicFile.Write(Path.Combine(_directory, StateFile), JsonSerializer.SerializeToUtf8Bytes(_state, AuthorityStateContext.Default.AuthorityState), AtomicFile.Private);
        }
    }
}
