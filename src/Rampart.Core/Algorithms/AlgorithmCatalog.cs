using System.Collections.Frozen;
using System.Diagnostics.CodeAnalysis;

namespace Rampart.Core.Algorithms;

/// <summary>
/// The single place that knows algorithm names (the common IPsec spelling used on the command line),
/// display names (as the monitor shows them), key sizes and which algorithms are legacy.
/// Legacy algorithms (DES, 3DES, MD5, SHA-1, DH groups 1 and 2) are only ever used when a policy names them.
/// </summary>
public static class AlgorithmCatalog
{
    private static readonly FrozenDictionary<string, CipherAlgorithm> CipherNames = new Dictionary<string, CipherAlgorithm>(StringComparer.OrdinalIgnoreCase)
    {
        ["null"] = CipherAlgorithm.Null,
        ["aes-gcm-128"] = CipherAlgorithm.AesGcm128,
        ["aes-gcm-256"] = CipherAlgorithm.AesGcm256,
        ["aes-cbc-128"] = CipherAlgorithm.AesCbc128,
        ["aes-cbc-256"] = CipherAlgorithm.AesCbc256,
        ["chacha20-poly1305"] = CipherAlgorithm.ChaCha20Poly1305,
        ["3des"] = CipherAlgorithm.TripleDes,
        ["des"] = CipherAlgorithm.Des,
    }.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase);

    private static readonly FrozenDictionary<string, IntegrityAlgorithm> IntegrityNames = new Dictionary<string, IntegrityAlgorithm>(StringComparer.OrdinalIgnoreCase)
    {
        ["sha256"] = IntegrityAlgorithm.Sha256,
        ["sha384"] = IntegrityAlgorithm.Sha384,
        ["sha512"] = IntegrityAlgorithm.Sha512,
        ["sha1"] = IntegrityAlgorithm.Sha1,
        ["md5"] = IntegrityAlgorithm.Md5,
    }.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase);

    private static readonly FrozenDictionary<string, DhGroup> GroupNames = new Dictionary<string, DhGroup>(StringComparer.OrdinalIgnoreCase)
    {
        ["modp768"] = DhGroup.Modp768,
        ["modp1024"] = DhGroup.Modp1024,
        ["modp2048"] = DhGroup.Modp2048,
        ["modp3072"] = DhGroup.Modp3072,
        ["modp4096"] = DhGroup.Modp4096,
        ["ecp256"] = DhGroup.Ecp256,
        ["ecp384"] = DhGroup.Ecp384,
        ["x25519"] = DhGroup.X25519,
        ["curve25519"] = DhGroup.X25519,
    }.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase);

    public static IEnumerable<string> CipherSpellings => CipherNames.Keys.Order(StringComparer.Ordinal);

    public static IEnumerable<string> IntegritySpellings => IntegrityNames.Keys.Order(StringComparer.Ordinal);

    public static IEnumerable<string> GroupSpellings => GroupNames.Keys.Order(StringComparer.Ordinal);

    public static bool TryParseCipher(string text, out CipherAlgorithm cipher) => CipherNames.TryGetValue(text.Trim(), out cipher);

    public static bool TryParseIntegrity(string text, out IntegrityAlgorithm integrity) => IntegrityNames.TryGetValue(text.Trim(), out integrity);

    /// <summary>Accepts a group name (<c>modp2048</c>, <c>ecp256</c>, <c>x25519</c>) or its IANA number.</summary>
    public static bool TryParseGroup(string text, out DhGroup group)
    {
        text = text.Trim();
        if (GroupNames.TryGetValue(text, out group))
        {
            return true;
        }

        if (ushort.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var number)
            && Enum.IsDefined((DhGroup)number) && number != 0)
        {
            group = (DhGroup)number;
            return true;
        }

        group = DhGroup.None;
        return false;
    }

    /// <summary>The command-line spelling, e.g. <c>aes-gcm-128</c>.</summary>
    public static string Name(CipherAlgorithm cipher) => cipher switch
    {
        CipherAlgorithm.Null => "null",
        CipherAlgorithm.AesGcm128 => "aes-gcm-128",
        CipherAlgorithm.AesGcm256 => "aes-gcm-256",
        CipherAlgorithm.AesCbc128 => "aes-cbc-128",
        CipherAlgorithm.AesCbc256 => "aes-cbc-256",
        CipherAlgorithm.ChaCha20Poly1305 => "chacha20-poly1305",
        CipherAlgorithm.TripleDes => "3des",
        CipherAlgorithm.Des => "des",
        _ => throw new ArgumentOutOfRangeException(nameof(cipher)),
    };

    public static string Name(IntegrityAlgorithm integrity) => integrity switch
    {
        IntegrityAlgorithm.None => "none",
        IntegrityAlgorithm.Sha256 => "sha256",
        IntegrityAlgorithm.Sha384 => "sha384",
        IntegrityAlgorithm.Sha512 => "sha512",
        IntegrityAlgorithm.Sha1 => "sha1",
        IntegrityAlgorithm.Md5 => "md5",
        _ => throw new ArgumentOutOfRangeException(nameof(integrity)),
    };

    public static string Name(DhGroup group) => group switch
    {
        DhGroup.None => "none",
        DhGroup.Modp768 => "modp768",
        DhGroup.Modp1024 => "modp1024",
        DhGroup.Modp2048 => "modp2048",
        DhGroup.Modp3072 => "modp3072",
        DhGroup.Modp4096 => "modp4096",
        DhGroup.Ecp256 => "ecp256",
        DhGroup.Ecp384 => "ecp384",
        DhGroup.X25519 => "x25519",
        _ => throw new ArgumentOutOfRangeException(nameof(group)),
    };

    /// <summary>How the monitor and audit show it, e.g. <c>AES-GCM-128</c>.</summary>
    public static string DisplayName(CipherAlgorithm cipher) => cipher switch
    {
        CipherAlgorithm.Null => "NULL",
        CipherAlgorithm.AesGcm128 => "AES-GCM-128",
        CipherAlgorithm.AesGcm256 => "AES-GCM-256",
        CipherAlgorithm.AesCbc128 => "AES-CBC-128",
        CipherAlgorithm.AesCbc256 => "AES-CBC-256",
        CipherAlgorithm.ChaCha20Poly1305 => "CHACHA20-POLY1305",
        CipherAlgorithm.TripleDes => "3DES",
        CipherAlgorithm.Des => "DES",
        _ => throw new ArgumentOutOfRangeException(nameof(cipher)),
    };

    public static string DisplayName(IntegrityAlgorithm integrity) => integrity switch
    {
        IntegrityAlgorithm.None => "None",
        IntegrityAlgorithm.Sha256 => "SHA-256",
        IntegrityAlgorithm.Sha384 => "SHA-384",
        IntegrityAlgorithm.Sha512 => "SHA-512",
        IntegrityAlgorithm.Sha1 => "SHA-1",
        IntegrityAlgorithm.Md5 => "MD5",
        _ => throw new ArgumentOutOfRangeException(nameof(integrity)),
    };

    public static bool IsLegacy(CipherAlgorithm cipher) => cipher is CipherAlgorithm.Des or CipherAlgorithm.TripleDes;

    public static bool IsLegacy(IntegrityAlgorithm integrity) => integrity is IntegrityAlgorithm.Md5 or IntegrityAlgorithm.Sha1;

    public static bool IsLegacy(DhGroup group) => group is DhGroup.Modp768 or DhGroup.Modp1024;

    /// <summary>AEAD ciphers provide integrity themselves and take no separate HMAC.</summary>
    public static bool IsAead(CipherAlgorithm cipher) => cipher is CipherAlgorithm.AesGcm128 or CipherAlgorithm.AesGcm256 or CipherAlgorithm.ChaCha20Poly1305;

    /// <summary>Cipher key length in bytes, excluding the 4-byte salt of AEAD ciphers (RFC 4106, RFC 7634).</summary>
    public static int KeyLength(CipherAlgorithm cipher) => cipher switch
    {
        CipherAlgorithm.Null => 0,
        CipherAlgorithm.AesGcm128 or CipherAlgorithm.AesCbc128 => 16,
        CipherAlgorithm.AesGcm256 or CipherAlgorithm.AesCbc256 or CipherAlgorithm.ChaCha20Poly1305 => 32,
        CipherAlgorithm.TripleDes => 24,
        CipherAlgorithm.Des => 8,
        _ => throw new ArgumentOutOfRangeException(nameof(cipher)),
    };

    /// <summary>Keying material an SA needs for the cipher: key plus the 4-byte salt for AEADs (AES-GCM-128: 20 bytes).</summary>
    public static int KeyMaterialLength(CipherAlgorithm cipher) => KeyLength(cipher) + (IsAead(cipher) ? 4 : 0);

    /// <summary>HMAC key length in bytes (the hash output size, RFC 2104 / RFC 4868).</summary>
    public static int HmacKeyLength(IntegrityAlgorithm integrity) => integrity switch
    {
        IntegrityAlgorithm.None => 0,
        IntegrityAlgorithm.Md5 => 16,
        IntegrityAlgorithm.Sha1 => 20,
        IntegrityAlgorithm.Sha256 => 32,
        IntegrityAlgorithm.Sha384 => 48,
        IntegrityAlgorithm.Sha512 => 64,
        _ => throw new ArgumentOutOfRangeException(nameof(integrity)),
    };

    /// <summary>Truncated ICV length for ESP/AH: 96 bits for MD5/SHA-1 (RFC 2403/2404), half the hash for SHA-2 (RFC 4868).</summary>
    public static int IcvLength(IntegrityAlgorithm integrity) => integrity switch
    {
        IntegrityAlgorithm.None => 0,
        IntegrityAlgorithm.Md5 or IntegrityAlgorithm.Sha1 => 12,
        IntegrityAlgorithm.Sha256 => 16,
        IntegrityAlgorithm.Sha384 => 24,
        IntegrityAlgorithm.Sha512 => 32,
        _ => throw new ArgumentOutOfRangeException(nameof(integrity)),
    };

    /// <summary>
    /// Whether a legacy DES or 3DES key is one the cipher refuses (weak or semi-weak; for 3DES, equal thirds that make
    /// it single DES). Only manual keys can be chosen so; a random IKE key is one with negligible probability.
    /// </summary>
    [SuppressMessage("Security", "CA5351", Justification = "Legacy DES/3DES, opt-in: only checks a key, encrypts nothing")]
    public static bool IsWeakKey(CipherAlgorithm cipher, ReadOnlySpan<byte> key) => cipher switch
    {
        CipherAlgorithm.Des => key.Length == 8 && (System.Security.Cryptography.DES.IsWeakKey(key.ToArray()) || System.Security.Cryptography.DES.IsSemiWeakKey(key.ToArray())),
        CipherAlgorithm.TripleDes => key.Length == 24 && System.Security.Cryptography.TripleDES.IsWeakKey(key.ToArray()),
        _ => false,
    };

    /// <summary>Describes why a name is unknown, listing the accepted spellings.</summary>
    [SuppressMessage("Globalization", "CA1305", Justification = "Fixed ASCII text")]
    public static string UnknownNameMessage(string kind, string text, IEnumerable<string> accepted) =>
        $"unknown {kind} '{text}'; expected one of: {string.Join(", ", accepted)}";
}
