using System.Globalization;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using Rampart.Store;

namespace Rampart.Credentials.Certificates;

/// <summary>
/// The host's certificate store, in the walkthrough's two parts, under <c>$RAMPART_HOME/certificates/</c>:
/// <c>personal/THUMBPRINT.crt</c> (the certificate, then the intermediates imported with it, PEM) and
/// <c>personal/THUMBPRINT.key</c> (its private key, PKCS#8 PEM, 0600); <c>trusted.json</c> (the trusted root CAs by
/// name: only these are ever trusted, never the system's store); <c>crl-check</c> (the CRL checking level).
/// Every write is atomic; the directories must pass <see cref="StateDirectory"/>'s checks and nothing in them may be
/// a symbolic link. Methods that change the store throw <see cref="InvalidDataException"/> with a message for the
/// user when they refuse (nothing is stored then).
/// </summary>
public sealed class CertificateStore
{
    public const string DirectoryName = "certificates";

    private const UnixFileMode PrivateDirectory = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private const UnixFileMode PublicFile = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;
    private const string CertificateExtension = ".crt";
    private const string KeyExtension = ".key";
    private const string TrustedFileName = "trusted.json";
    private const string CrlCheckFileName = "crl-check";
    private const string EkuSuffix = ":ike-eku";
    private const int MaximumNameLength = 128;

    private readonly string _home;

    public CertificateStore(string rampartHome)
    {
        ArgumentException.ThrowIfNullOrEmpty(rampartHome);
        _home = Path.GetFullPath(rampartHome);
        Directory = Path.Combine(_home, DirectoryName);
    }

    /// <summary>The store of <see cref="Rampart.Store.StoreLocation.Home"/>.</summary>
    public static CertificateStore Open() => new(Rampart.Store.StoreLocation.Home);

    /// <summary><c>$RAMPART_HOME/certificates</c>.</summary>
    public string Directory { get; }

    private string PersonalDirectory => Path.Combine(Directory, "personal");

    private string TrustedPath => Path.Combine(Directory, TrustedFileName);

    private string CrlCheckPath => Path.Combine(Directory, CrlCheckFileName);

    /// <summary>The personal certificates, each with its private key when the store holds one, ordered by subject.</summary>
    public IReadOnlyList<PersonalCertificate> LoadPersonal()
    {
        if (!CheckForReading(PersonalDirectory))
        {
            return [];
        }

        var certificates = new List<PersonalCertificate>();
        foreach (var path in System.IO.Directory.EnumerateFiles(PersonalDirectory, "*" + CertificateExtension))
        {
            certificates.Add(ReadPersonal(path));
        }

        return [.. certificates.OrderBy(c => c.Certificate.Subject, StringComparer.OrdinalIgnoreCase).ThenBy(c => c.Thumbprint, StringComparer.Ordinal)];
    }

    /// <summary>The trusted root CAs, in the order they were added.</summary>
    public IReadOnlyList<TrustedAuthority> LoadTrusted()
    {
        if (!CheckForReading(Directory) || !File.Exists(TrustedPath))
        {
            return [];
        }

        StateDirectory.RefuseNonRegularFile(_home, TrustedPath);
        try
        {
            using var document = JsonDocument.Parse(File.ReadAllBytes(TrustedPath));
            return [.. document.RootElement.GetProperty("authorities").EnumerateArray().Select(e => new TrustedAuthority(
                e.GetProperty("name").GetString() ?? throw new InvalidDataException("a trusted CA has no name"),
                X509CertificateLoader.LoadCertificate(Convert.FromBase64String(e.GetProperty("certificate").GetString() ?? "")))),];
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException or CryptographicException)
        {
            throw new InvalidDataException($"the trusted root store {TrustedPath} is damaged: {e.Message}", e);
        }
    }

    /// <summary>The trusted CA of that name (names compare without regard to case), or null.</summary>
    public TrustedAuthority? FindTrusted(string name) =>
        LoadTrusted().FirstOrDefault(a => a.Name.Equals(name, StringComparison.OrdinalIgnoreCase));

    /// <summary>The CRL checking level; <see cref="CrlCheckLevel.None"/> until set, as in Windows 2000.</summary>
    public CrlCheckLevel LoadCrlCheckLevel()
    {
        if (!CheckForReading(Directory) || !File.Exists(CrlCheckPath))
        {
            return CrlCheckLevel.None;
        }

        StateDirectory.RefuseNonRegularFile(_home, CrlCheckPath);
        var text = File.ReadAllText(CrlCheckPath).Trim();
        return text is "0" or "1" or "2"
            ? (CrlCheckLevel)(text[0] - '0')
            : throw new InvalidDataException($"{CrlCheckPath} holds '{text}', not 0, 1 or 2; set it again with 'rampart cert crl-check 0|1|2'");
    }

    public void SaveCrlCheckLevel(CrlCheckLevel level)
    {
        if (!Enum.IsDefined(level))
        {
            throw new ArgumentOutOfRangeException(nameof(level), level, "the CRL checking level is 0, 1 or 2");
        }

        PrepareForWriting(Directory);
        AtomicFile.Write(CrlCheckPath, Encoding.ASCII.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{(int)level}\n")), PublicFile);
    }

    /// <summary>
    /// Adds a certificate file's certificate to the personal store, with its private key (in the file, or in
    /// <paramref name="keyData"/> when not empty) and the intermediate CA certificates the file carries. A key that
    /// does not match the certificate is refused. Importing a certificate again replaces it (and adds a key it lacked).
    /// </summary>
    public PersonalCertificate Import(ReadOnlySpan<byte> certificateData, string certificateName, ReadOnlySpan<byte> keyData, string? keyName, string? password)
    {
        var parsed = CertificateFileParser.Parse(certificateData, certificateName, password);
        using var key = keyData.IsEmpty
            ? parsed.PrivateKey
            : parsed.PrivateKey is not null
                ? throw new InvalidDataException($"{certificateName} already holds a private key; drop --key")
                : CertificateFileParser.ParseKey(keyData, keyName ?? "the key file", password);
        if (parsed.Certificates.Count == 0)
        {
            throw new InvalidDataException($"{certificateName} holds a private key but no certificate; give the certificate and the key with --key");
        }

        var leaf = ChooseLeaf(parsed.Certificates, key, certificateName);
        X509Certificate2 withKey = leaf;
        if (key is not null)
        {
            withKey = AttachKey(leaf, key, keyName ?? certificateName);
        }

        // Roots stay out: the peer must already trust its own root; sending one proves nothing.
        var intermediates = parsed.Certificates.Where(c => c != leaf && !IsSelfSigned(c)).ToList();
        var entry = new PersonalCertificate(withKey, intermediates);

        PrepareForWriting(PersonalDirectory);
        var basePath = Path.Combine(PersonalDirectory, entry.Thumbprint);
        if (key is not null)
        {
            AtomicFile.Write(basePath + KeyExtension, Encoding.ASCII.GetBytes(PemEncoding.WriteString("PRIVATE KEY", key.ExportPkcs8PrivateKey())), AtomicFile.Private);
        }

        var pem = new StringBuilder(PemEncoding.WriteString("CERTIFICATE", leaf.RawData)).Append('\n');
        foreach (var intermediate in intermediates)
        {
            pem.Append(PemEncoding.WriteString("CERTIFICATE", intermediate.RawData)).Append('\n');
        }

        AtomicFile.Write(basePath + CertificateExtension, Encoding.ASCII.GetBytes(pem.ToString()), PublicFile);
        return key is null && File.Exists(basePath + KeyExtension) ? ReadPersonal(basePath + CertificateExtension) : entry;
    }

    /// <summary>
    /// Deletes the personal certificate whose subject (the whole DN or its common name) or SHA-256 thumbprint (or a
    /// unique prefix of at least 8 hex digits) is <paramref name="subjectOrThumbprint"/>; an ambiguous subject is
    /// refused with the thumbprints that tell the candidates apart.
    /// </summary>
    public PersonalCertificate Delete(string subjectOrThumbprint)
    {
        ArgumentNullException.ThrowIfNull(subjectOrThumbprint);
        var target = Resolve(LoadPersonal(), subjectOrThumbprint.Trim());
        var basePath = Path.Combine(PersonalDirectory, target.Thumbprint);
        AtomicFile.Delete(basePath + KeyExtension);
        AtomicFile.Delete(basePath + CertificateExtension);
        return target;
    }

    /// <summary>
    /// Adds a CA certificate to the trusted root store under <paramref name="name"/> (by default its common name).
    /// It must be a CA (basicConstraints CA=true, or self-signed); a private key in the file is not stored.
    /// </summary>
    public TrustedAuthority Trust(ReadOnlySpan<byte> certificateData, string certificateName, string? name)
    {
        var parsed = CertificateFileParser.Parse(certificateData, certificateName, password: null);
        parsed.PrivateKey?.Dispose();
        if (parsed.Certificates.Count != 1)
        {
            throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture,
                $"{certificateName} holds {parsed.Certificates.Count} certificates; trust one CA certificate at a time"));
        }

        var certificate = parsed.Certificates[0];
        if (!IsCertificateAuthority(certificate) && !IsSelfSigned(certificate))
        {
            throw new InvalidDataException($"{certificateName} ({certificate.Subject}) is not a CA certificate (no basicConstraints CA=true, not self-signed); trust the CA that issued it");
        }

        name = CheckName(name ?? certificate.GetNameInfo(X509NameType.SimpleName, forIssuer: false), certificateName);
        var trusted = LoadTrusted().ToList();
        var authority = new TrustedAuthority(name, certificate);
        if (trusted.FirstOrDefault(a => a.Thumbprint == authority.Thumbprint) is { } same)
        {
            throw new InvalidDataException($"{certificate.Subject} is already trusted as '{same.Name}'");
        }

        if (trusted.Any(a => a.Name.Equals(name, StringComparison.OrdinalIgnoreCase)))
        {
            throw new InvalidDataException($"a trusted CA is already named '{name}'; choose another with --name, or untrust it first");
        }

        trusted.Add(authority);
        SaveTrusted(trusted);
        return authority;
    }

    /// <summary>Removes the trusted CA of that name; rules naming it then fail to validate (and refuse to be assigned).</summary>
    public TrustedAuthority Untrust(string name)
    {
        var trusted = LoadTrusted().ToList();
        var index = trusted.FindIndex(a => a.Name.Equals(name, StringComparison.OrdinalIgnoreCase));
        if (index < 0)
        {
            throw new InvalidDataException(trusted.Count == 0
                ? $"no trusted CA is named '{name}' (the trusted root store is empty)"
                : $"no trusted CA is named '{name}'; trusted: {string.Join(", ", trusted.Select(a => $"'{a.Name}'"))}");
        }

        var removed = trusted[index];
        trusted.RemoveAt(index);
        SaveTrusted(trusted);
        return removed;
    }

    /// <summary>Whether the certificate says it is a CA (basicConstraints CA=true).</summary>
    public static bool IsCertificateAuthority(X509Certificate2 certificate) =>
        certificate?.Extensions.OfType<X509BasicConstraintsExtension>().FirstOrDefault() is { CertificateAuthority: true };

    /// <summary>Issued by itself and signed by its own key.</summary>
    public static bool IsSelfSigned(X509Certificate2 certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        return certificate.SubjectName.RawData.AsSpan().SequenceEqual(certificate.IssuerName.RawData)
            && CertificateSignature.IsSignedBy(certificate, certificate);
    }

    private static X509Certificate2 ChooseLeaf(IReadOnlyList<X509Certificate2> certificates, AsymmetricAlgorithm? key, string name)
    {
        if (certificates.Count == 1)
        {
            return certificates[0];
        }

        if (key is not null)
        {
            return certificates.FirstOrDefault(c => PublicKeyMatches(c, key))
                ?? throw new InvalidDataException($"the private key does not match any certificate in {name}: it belongs to another certificate");
        }

        // No key: the end entity is the certificate that issued none of the others.
        var leaves = certificates.Where(c => !certificates.Any(o => o != c && o.IssuerName.RawData.AsSpan().SequenceEqual(c.SubjectName.RawData))).ToList();
        return leaves.Count == 1
            ? leaves[0]
            : throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture, $"{name} holds {certificates.Count} certificates that are not one chain; import them one by one"));
    }

    private static X509Certificate2 AttachKey(X509Certificate2 certificate, AsymmetricAlgorithm key, string keyName)
    {
        if (!PublicKeyMatches(certificate, key))
        {
            throw new InvalidDataException($"the private key in {keyName} does not match the certificate {certificate.Subject}: it belongs to another certificate; nothing was imported");
        }

        return key switch
        {
            RSA rsa => certificate.CopyWithPrivateKey(rsa),
            ECDsa ecdsa => certificate.CopyWithPrivateKey(ecdsa),
            _ => throw new InvalidDataException($"{keyName}: IKE signs with RSA or ECDSA keys only"),
        };
    }

    private static bool PublicKeyMatches(X509Certificate2 certificate, AsymmetricAlgorithm key)
    {
        var certificateKey = certificate.PublicKey.ExportSubjectPublicKeyInfo();
        var privateKeyPublic = key switch
        {
            RSA rsa => rsa.ExportSubjectPublicKeyInfo(),
            ECDsa ecdsa => ecdsa.ExportSubjectPublicKeyInfo(),
            _ => [],
        };
        return CryptographicOperations.FixedTimeEquals(certificateKey, privateKeyPublic);
    }

    private static PersonalCertificate Resolve(IReadOnlyList<PersonalCertificate> personal, string text)
    {
        if (text.Length == 0)
        {
            throw new InvalidDataException("give the subject or thumbprint of the certificate to delete");
        }

        var hex = text.Replace(":", "", StringComparison.Ordinal).ToUpperInvariant();
        var byThumbprint = hex.Length >= 8 && hex.All(char.IsAsciiHexDigit)
            ? personal.Where(c => c.Thumbprint.StartsWith(hex, StringComparison.Ordinal)).ToList()
            : [];
        var matches = byThumbprint.Count > 0
            ? byThumbprint
            : personal.Where(c => c.Certificate.Subject.Equals(text, StringComparison.OrdinalIgnoreCase)
                || c.Certificate.GetNameInfo(X509NameType.SimpleName, forIssuer: false).Equals(text, StringComparison.OrdinalIgnoreCase)).ToList();
        return matches.Count switch
        {
            1 => matches[0],
            0 => throw new InvalidDataException(personal.Count == 0
                ? $"no personal certificate matches '{text}' (the personal store is empty)"
                : $"no personal certificate has the subject or thumbprint '{text}'; see 'rampart cert list'"),
            _ => throw new InvalidDataException(
                $"'{text}' matches {matches.Count.ToString(CultureInfo.InvariantCulture)} certificates; delete one by thumbprint:{Environment.NewLine}"
                + string.Join(Environment.NewLine, matches.Select(c => $"  {c.Thumbprint}  {c.Certificate.Subject}  (valid until {c.Certificate.NotAfter.ToUniversalTime():yyyy-MM-dd})"))),
        };
    }

    private static string CheckName(string name, string certificateName)
    {
        name = name.Trim();
        if (name.Length == 0)
        {
            throw new InvalidDataException($"{certificateName} has no common name; name the CA with --name");
        }

        if (name.Length > MaximumNameLength || name.Any(char.IsControl))
        {
            throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture, $"a CA name is at most {MaximumNameLength} printable characters"));
        }

        return name.EndsWith(EkuSuffix, StringComparison.OrdinalIgnoreCase)
            ? throw new InvalidDataException($"a CA name cannot end in '{EkuSuffix}' (cert:CA-NAME{EkuSuffix} is the rule option requiring the IKE EKU)")
            : name;
    }

    private PersonalCertificate ReadPersonal(string path)
    {
        StateDirectory.RefuseNonRegularFile(_home, path);
        var keyPath = Path.ChangeExtension(path, KeyExtension);
        StateDirectory.RefuseNonRegularFile(_home, keyPath);
        try
        {
            var pem = File.ReadAllText(path);
            var parsed = CertificateFileParser.Parse(Encoding.ASCII.GetBytes(pem), path, password: null);
            var certificate = parsed.Certificates[0];
            if (File.Exists(keyPath))
            {
                using var key = CertificateFileParser.ParseKey(File.ReadAllBytes(keyPath), keyPath, password: null);
                certificate = AttachKey(certificate, key, keyPath);
            }

            return new PersonalCertificate(certificate, parsed.Certificates.Skip(1).ToList());
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"the personal store is damaged: {e.Message}; delete the file or import the certificate again", e);
        }
    }

    private void SaveTrusted(IReadOnlyList<TrustedAuthority> trusted)
    {
        PrepareForWriting(Directory);
        var json = JsonSerializerWrite(writer =>
        {
            writer.WriteStartObject();
            writer.WriteStartArray("authorities");
            foreach (var authority in trusted)
            {
                writer.WriteStartObject();
                writer.WriteString("name", authority.Name);
                writer.WriteString("subject", authority.Certificate.Subject);
                writer.WriteString("certificate", Convert.ToBase64String(authority.Certificate.RawData));
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        });
        AtomicFile.Write(TrustedPath, json, PublicFile);
    }

    private static byte[] JsonSerializerWrite(Action<Utf8JsonWriter> write)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            write(writer);
        }

        return [.. buffer.WrittenSpan, (byte)'\n'];
    }

    /// <summary>Checks the state directory and <paramref name="directory"/> in it; false when nothing is there yet.</summary>
    private bool CheckForReading(string directory)
    {
        StateDirectory.Check(_home);
        StateDirectory.CheckSubdirectory(_home, Directory);
        StateDirectory.RefuseLinksIn(_home, Directory);
        if (directory != Directory)
        {
            StateDirectory.CheckSubdirectory(_home, directory);
            StateDirectory.RefuseLinksIn(_home, directory);
        }

        return System.IO.Directory.Exists(directory);
    }

    private void PrepareForWriting(string directory)
    {
        StateDirectory.Prepare(_home);
        foreach (var path in directory == Directory ? [Directory] : new[] { Directory, directory })
        {
            StateDirectory.CheckSubdirectory(_home, path);
            if (FileStatus.Of(path) is null)
            {
                System.IO.Directory.CreateDirectory(path, PrivateDirectory);
            }

            StateDirectory.RefuseLinksIn(_home, path);
        }
    }
}
