using System.Diagnostics.CodeAnalysis;
using Rampart.Core.Algorithms;

namespace Rampart.Core.Policy;

/// <summary>One main mode proposal: cipher, hash (also the PRF) and Diffie-Hellman group.</summary>
public sealed record IkeSecurityMethod(CipherAlgorithm Cipher, IntegrityAlgorithm Integrity, DhGroup Group)
{
    public bool IsLegacy => AlgorithmCatalog.IsLegacy(Cipher) || AlgorithmCatalog.IsLegacy(Integrity) || AlgorithmCatalog.IsLegacy(Group);

    /// <summary>Parses <c>CIPHER/HASH/GROUP</c>, e.g. <c>aes-cbc-256/sha384/ecp384</c> or <c>3des/sha1/2</c>.</summary>
    public static bool TryParse(string text, [NotNullWhen(true)] out IkeSecurityMethod? method, [NotNullWhen(false)] out string? error)
    {
        method = null;
        var parts = text.Trim().Split('/');
        if (parts.Length != 3)
        {
            error = $"invalid key exchange method '{text}': expected CIPHER/HASH/GROUP, e.g. aes-cbc-256/sha256/ecp256";
            return false;
        }

        if (!AlgorithmCatalog.TryParseCipher(parts[0], out var cipher))
        {
            error = AlgorithmCatalog.UnknownNameMessage("cipher", parts[0], AlgorithmCatalog.CipherSpellings);
            return false;
        }

        if (!AlgorithmCatalog.TryParseIntegrity(parts[1], out var integrity))
        {
            error = AlgorithmCatalog.UnknownNameMessage("hash", parts[1], AlgorithmCatalog.IntegritySpellings);
            return false;
        }

        if (!AlgorithmCatalog.TryParseGroup(parts[2], out var group))
        {
            error = AlgorithmCatalog.UnknownNameMessage("DH group", parts[2], AlgorithmCatalog.GroupSpellings.Append("an IANA group number"));
            return false;
        }

        error = null;
        method = new IkeSecurityMethod(cipher, integrity, group);
        return true;
    }

    public override string ToString() => $"{AlgorithmCatalog.Name(Cipher)}/{AlgorithmCatalog.Name(Integrity)}/{AlgorithmCatalog.Name(Group)}";
}
