using System.Globalization;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace Rampart.Credentials.Certificates;

/// <summary>What a certificate file holds: its certificates (in file order) and the private key it carries, if any.</summary>
public sealed record ParsedCertificateFile(IReadOnlyList<X509Certificate2> Certificates, AsymmetricAlgorithm? PrivateKey);

/// <summary>
/// Reads PEM (certificates and keys, possibly together), DER certificates and PKCS#12 files. Anything it cannot read
/// (garbage, truncation, a wrong password, an unsupported key) is an <see cref="InvalidDataException"/> whose message
/// says what is wrong with which file; nothing else escapes.
/// </summary>
public static class CertificateFileParser
{
    /// <summary>More certificates than any real chain has: a file with more is refused, not parsed to the end.</summary>
    public const int MaximumCertificates = 16;

    private static readonly Pkcs12LoaderLimits Limits = new(Pkcs12LoaderLimits.Defaults) { MaxCertificates = MaximumCertificates, MaxKeys = 4 };

    /// <summary>Parses a certificate file; <paramref name="name"/> names it in errors.</summary>
    public static ParsedCertificateFile Parse(ReadOnlySpan<byte> data, string name, string? password)
    {
        if (data.IsEmpty)
        {
            throw new InvalidDataException($"{name} is empty");
        }

        try
        {
            if (LooksLikePem(data))
            {
                return ParsePem(Encoding.ASCII.GetString(data), name, password);
            }

            if (X509Certificate2.GetCertContentType(data) == X509ContentType.Pkcs12)
            {
                return ParsePkcs12(data, name, password);
            }

            return new ParsedCertificateFile([X509CertificateLoader.LoadCertificate(data)], null);
        }
        catch (Exception e) when (e is CryptographicException or ArgumentException or FormatException or System.Formats.Asn1.AsnContentException)
        {
            throw new InvalidDataException($"{name} is not a certificate in PEM, DER or PKCS#12 form (or it is damaged): {e.Message}", e);
        }
    }

    /// <summary>Parses a private key file given on its own (<c>--key</c>): PEM or DER, PKCS#8 (encrypted or not), PKCS#1 RSA or SEC 1 EC.</summary>
    public static AsymmetricAlgorithm ParseKey(ReadOnlySpan<byte> data, string name, string? password)
    {
        if (data.IsEmpty)
        {
            throw new InvalidDataException($"{name} is empty");
        }

        if (LooksLikePem(data))
        {
            var parsed = ParsePem(Encoding.ASCII.GetString(data), name, password);
            return parsed.PrivateKey ?? throw new InvalidDataException($"{name} holds no private key");
        }

        return ImportDerKey(data, name, password);
    }

    private static bool LooksLikePem(ReadOnlySpan<byte> data) => data.IndexOf("-----BEGIN "u8) >= 0;

    private static ParsedCertificateFile ParsePem(string text, string name, string? password)
    {
        var certificates = new List<X509Certificate2>();
        AsymmetricAlgorithm? key = null;
        var rest = text.AsSpan();
        while (PemEncoding.TryFind(rest, out var fields))
        {
            var label = rest[fields.Label].ToString();
            var der = Base64(rest[fields.Base64Data], name, label);
            rest = rest[fields.Location.End..];
            switch (label)
            {
                case "CERTIFICATE":
                    if (certificates.Count == MaximumCertificates)
                    {
                        throw TooMany(name);
                    }

                    certificates.Add(LoadCertificate(der, name));
                    break;
                case "PRIVATE KEY" or "ENCRYPTED PRIVATE KEY" or "RSA PRIVATE KEY" or "EC PRIVATE KEY":
                    if (key is not null)
                    {
                        key.Dispose();
                        throw new InvalidDataException($"{name} holds more than one private key; give one key per certificate");
                    }

                    key = ImportPemKey(label, der, name, password);
                    break;
                default:
                    // EC PARAMETERS (openssl ecparam), comments and the like carry nothing we store.
                    break;
            }
        }

        if (certificates.Count == 0 && key is null)
        {
            throw new InvalidDataException($"{name} holds no PEM certificate or private key");
        }

        return new ParsedCertificateFile(certificates, key);
    }

    private static byte[] Base64(ReadOnlySpan<char> base64, string name, string label)
    {
        var buffer = new byte[base64.Length * 3 / 4 + 3];
        return Convert.TryFromBase64Chars(base64, buffer, out var written)
            ? buffer[..written]
            : throw new InvalidDataException($"{name}: the {label} block is not valid base64");
    }

    private static X509Certificate2 LoadCertificate(byte[] der, string name)
    {
        try
        {
            return X509CertificateLoader.LoadCertificate(der);
        }
        catch (CryptographicException e)
        {
            throw new InvalidDataException($"{name}: a CERTIFICATE block is damaged: {e.Message}", e);
        }
    }

    private static AsymmetricAlgorithm ImportPemKey(string label, byte[] der, string name, string? password)
    {
        try
        {
            return label switch
            {
                "RSA PRIVATE KEY" => Import(RSA.Create(), k => k.ImportRSAPrivateKey(der, out _)),
                "EC PRIVATE KEY" => Import(ECDsa.Create(), k => k.ImportECPrivateKey(der, out _)),
                "ENCRYPTED PRIVATE KEY" => ImportPkcs8(der, name, password ?? throw new InvalidDataException($"{name}: the private key is encrypted; give its password with --password-file")),
                _ => ImportPkcs8(der, name, null),
            };
        }
        catch (CryptographicException e)
        {
            throw new InvalidDataException($"{name}: the {label} block is damaged or not a key IKE can use: {e.Message}", e);
        }
    }

    private static AsymmetricAlgorithm ImportDerKey(ReadOnlySpan<byte> data, string name, string? password)
    {
        var der = data.ToArray();
        foreach (var attempt in new Func<AsymmetricAlgorithm>[]
        {
            () => ImportPkcs8(der, name, null),
            () => Import(RSA.Create(), k => k.ImportRSAPrivateKey(der, out _)),
            () => Import(ECDsa.Create(), k => k.ImportECPrivateKey(der, out _)),
        })
        {
            try
            {
                return attempt();
            }
            catch (Exception e) when (e is CryptographicException or InvalidDataException)
            {
                // Try the next encoding.
            }
        }

        try
        {
            return ImportPkcs8(der, name, password ?? "");
        }
        catch (CryptographicException e)
        {
            throw new InvalidDataException($"{name} is not a private key (PEM or DER; PKCS#8, PKCS#1 RSA or EC), or its password is wrong: {e.Message}", e);
        }
    }

    /// <summary>A PKCS#8 key of a kind IKE signs with: RSA or ECDSA P-256/P-384 (a password means it is encrypted).</summary>
    private static AsymmetricAlgorithm ImportPkcs8(byte[] der, string name, string? password)
    {
        AsymmetricAlgorithm[] candidates = [RSA.Create(), ECDsa.Create()];
        Exception? last = null;
        foreach (var key in candidates)
        {
            try
            {
                if (password is null)
                {
                    key.ImportPkcs8PrivateKey(der, out _);
                }
                else
                {
                    key.ImportEncryptedPkcs8PrivateKey(password, der, out _);
                }

                return Supported(key, name);
            }
            catch (CryptographicException e)
            {
                key.Dispose();
                last = e;
            }
        }

        throw password is null
            ? new InvalidDataException($"{name}: the private key is neither RSA nor ECDSA (IKE signs with those only) or is damaged", last)
            : new InvalidDataException($"{name}: cannot decrypt the private key: wrong password, or not an RSA or ECDSA key", last);
    }

    private static T Import<T>(T key, Action<T> import)
        where T : AsymmetricAlgorithm
    {
        try
        {
            import(key);
            return key;
        }
        catch
        {
            key.Dispose();
            throw;
        }
    }

    private static AsymmetricAlgorithm Supported(AsymmetricAlgorithm key, string name)
    {
        if (CertificateKeyKinds.IsSupported(key))
        {
            return key;
        }

        var size = key.KeySize;
        key.Dispose();
        throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture, $"{name}: an ECDSA key of {size} bits; IKE signs with RSA, ECDSA P-256 or ECDSA P-384 only"));
    }

    private static ParsedCertificateFile ParsePkcs12(ReadOnlySpan<byte> data, string name, string? password)
    {
        X509Certificate2Collection collection;
        try
        {
            collection = X509CertificateLoader.LoadPkcs12Collection(data, password ?? "", X509KeyStorageFlags.EphemeralKeySet | X509KeyStorageFlags.Exportable, Limits);
        }
        catch (Pkcs12LoadLimitExceededException e)
        {
            throw new InvalidDataException($"{name}: the PKCS#12 file is larger than any real certificate file ({e.Message})", e);
        }
        catch (CryptographicException e)
        {
            throw new InvalidDataException(string.IsNullOrEmpty(password)
                ? $"{name}: cannot open the PKCS#12 file without a password (give it with --password-file), or it is damaged"
                : $"{name}: cannot open the PKCS#12 file: wrong password, or it is damaged", e);
        }

        var withKey = collection.Where(c => c.HasPrivateKey).ToList();
        if (withKey.Count > 1)
        {
            throw new InvalidDataException($"{name} holds {withKey.Count} private keys; import one certificate with its key at a time");
        }

        AsymmetricAlgorithm? key = null;
        if (withKey.Count == 1)
        {
            key = (AsymmetricAlgorithm?)withKey[0].GetRSAPrivateKey() ?? withKey[0].GetECDsaPrivateKey()
                ?? throw new InvalidDataException($"{name}: the private key is neither RSA nor ECDSA (IKE signs with those only)");
            key = Supported(key, name);
        }

        // Keep the certificates alone: the key travels separately and is matched again like a --key file.
        var certificates = collection.Select(c => X509CertificateLoader.LoadCertificate(c.RawData)).ToList();
        foreach (var certificate in collection)
        {
            certificate.Dispose();
        }

        return new ParsedCertificateFile(certificates, key);
    }

    private static InvalidDataException TooMany(string name) =>
        new(string.Create(CultureInfo.InvariantCulture, $"{name} holds more than {MaximumCertificates} certificates; no real chain is that long"));
}
