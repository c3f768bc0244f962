using System.Runtime.InteropServices;

namespace Rampart.Ike.Interop;

/// <summary>
/// The few OpenSSL 3 bignum calls MODP Diffie-Hellman needs: .NET has no finite-field DH, and BigInteger.ModPow is
/// not constant time. libcrypto.so.3 is always present on Debian 12 because the .NET runtime itself loads it.
/// </summary>
internal static partial class LibCrypto
{
    /// <summary>BN_FLG_CONSTTIME: forces the constant-time code paths for a secret operand.</summary>
    public const int ConstantTimeFlag = 0x04;

    private const string Library = "libcrypto.so.3";

    [LibraryImport(Library, EntryPoint = "BN_CTX_new")]
    public static partial SafeBigNumContextHandle BigNumContextNew();

    [LibraryImport(Library, EntryPoint = "BN_CTX_free")]
    public static partial void BigNumContextFree(IntPtr context);

    [LibraryImport(Library, EntryPoint = "BN_new")]
    public static partial SafeBigNumHandle BigNumNew();

    [LibraryImport(Library, EntryPoint = "BN_clear_free")]
    public static partial void BigNumClearFree(IntPtr number);

    /// <summary>Reads big-endian bytes into <paramref name="target"/>; returns it, or null on failure.</summary>
    [LibraryImport(Library, EntryPoint = "BN_bin2bn")]
    public static partial IntPtr BigNumFromBytes(ReadOnlySpan<byte> bytes, int length, SafeBigNumHandle target);

    /// <summary>Writes big-endian, left-padded with zeros to exactly <paramref name="length"/> bytes; -1 if too short.</summary>
    [LibraryImport(Library, EntryPoint = "BN_bn2binpad")]
    public static partial int BigNumToPaddedBytes(SafeBigNumHandle number, Span<byte> destination, int length);

    [LibraryImport(Library, EntryPoint = "BN_set_flags")]
    public static partial void BigNumSetFlags(SafeBigNumHandle number, int flags);

    [LibraryImport(Library, EntryPoint = "BN_set_word")]
    public static partial int BigNumSetWord(SafeBigNumHandle number, ulong word);

    [LibraryImport(Library, EntryPoint = "BN_num_bits")]
    public static partial int BigNumBitCount(SafeBigNumHandle number);

    /// <summary>result = base^exponent mod modulus with the constant-time Montgomery ladder; 1 on success.</summary>
    [LibraryImport(Library, EntryPoint = "BN_mod_exp_mont_consttime")]
    public static partial int ModExpConstantTime(SafeBigNumHandle result, SafeBigNumHandle @base, SafeBigNumHandle exponent,
        SafeBigNumHandle modulus, SafeBigNumContextHandle context, SafeMontgomeryContextHandle montgomery);

    [LibraryImport(Library, EntryPoint = "BN_MONT_CTX_new")]
    public static partial SafeMontgomeryContextHandle MontgomeryContextNew();

    [LibraryImport(Library, EntryPoint = "BN_MONT_CTX_free")]
    public static partial void MontgomeryContextFree(IntPtr montgomery);

    [LibraryImport(Library, EntryPoint = "BN_MONT_CTX_set")]
    public static partial int MontgomeryContextSet(SafeMontgomeryContextHandle montgomery, SafeBigNumHandle modulus, SafeBigNumContextHandle context);

    /// <summary>The RFC 2409 / RFC 3526 primes, as a new BIGNUM when <paramref name="target"/> is null.</summary>
    [LibraryImport(Library, EntryPoint = "BN_get_rfc2409_prime_768")]
    public static partial SafeBigNumHandle Rfc2409Prime768(IntPtr target);

    [LibraryImport(Library, EntryPoint = "BN_get_rfc2409_prime_1024")]
    public static partial SafeBigNumHandle Rfc2409Prime1024(IntPtr target);

    [LibraryImport(Library, EntryPoint = "BN_get_rfc3526_prime_2048")]
    public static partial SafeBigNumHandle Rfc3526Prime2048(IntPtr target);

    [LibraryImport(Library, EntryPoint = "BN_get_rfc3526_prime_3072")]
    public static partial SafeBigNumHandle Rfc3526Prime3072(IntPtr target);

    [LibraryImport(Library, EntryPoint = "BN_get_rfc3526_prime_4096")]
    public static partial SafeBigNumHandle Rfc3526Prime4096(IntPtr target);
}
