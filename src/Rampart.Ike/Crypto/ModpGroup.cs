using System.Security.Cryptography;
using Rampart.Core.Algorithms;
using Rampart.Ike.Interop;

namespace Rampart.Ike.Crypto;

/// <summary>
/// One MODP group's constants in OpenSSL form, built once per process: prime, generator 2, the Montgomery context
/// of the prime (read-only after set-up, so shared by all threads), and the private exponent length.
/// </summary>
internal sealed class ModpGroup
{
    private static readonly Lazy<ModpGroup> Modp768 = new(() => new ModpGroup(LibCrypto.Rfc2409Prime768(IntPtr.Zero), 256));
    private static readonly Lazy<ModpGroup> Modp1024 = new(() => new ModpGroup(LibCrypto.Rfc2409Prime1024(IntPtr.Zero), 256));
    private static readonly Lazy<ModpGroup> Modp2048 = new(() => new ModpGroup(LibCrypto.Rfc3526Prime2048(IntPtr.Zero), 320));
    private static readonly Lazy<ModpGroup> Modp3072 = new(() => new ModpGroup(LibCrypto.Rfc3526Prime3072(IntPtr.Zero), 420));
    private static readonly Lazy<ModpGroup> Modp4096 = new(() => new ModpGroup(LibCrypto.Rfc3526Prime4096(IntPtr.Zero), 480));

    private readonly byte[] _primeMinusOne;

    private ModpGroup(SafeBigNumHandle prime, int exponentBits)
    {
        if (prime.IsInvalid)
        {
            throw new CryptographicException("libcrypto returned no MODP prime.");
        }

        Prime = prime;
        ExponentBits = exponentBits;
        PrimeLength = (LibCrypto.BigNumBitCount(prime) + 7) / 8;
        PrimeBytes = new byte[PrimeLength];
        Check(LibCrypto.BigNumToPaddedBytes(prime, PrimeBytes, PrimeLength) == PrimeLength);
        // The primes are odd, so p-1 only differs from p in the last byte.
        _primeMinusOne = (byte[])PrimeBytes.Clone();
        _primeMinusOne[^1]--;

        Generator = LibCrypto.BigNumNew();
        Check(!Generator.IsInvalid && LibCrypto.BigNumSetWord(Generator, 2) == 1);
        Montgomery = LibCrypto.MontgomeryContextNew();
        using var context = LibCrypto.BigNumContextNew();
        Check(!Montgomery.IsInvalid && !context.IsInvalid && LibCrypto.MontgomeryContextSet(Montgomery, prime, context) == 1);
    }

    public SafeBigNumHandle Prime { get; }

    public SafeBigNumHandle Generator { get; }

    public SafeMontgomeryContextHandle Montgomery { get; }

    /// <summary>Private exponent length: twice the group's strength (RFC 3526 §8 table, upper end), as strongSwan does.</summary>
    public int ExponentBits { get; }

    public int PrimeLength { get; }

    /// <summary>The prime, big-endian, exactly <see cref="PrimeLength"/> bytes; never modify.</summary>
    public byte[] PrimeBytes { get; }

    public static ModpGroup For(DhGroup group) => group switch
    {
        DhGroup.Modp768 => Modp768.Value,
        DhGroup.Modp1024 => Modp1024.Value,
        DhGroup.Modp2048 => Modp2048.Value,
        DhGroup.Modp3072 => Modp3072.Value,
        DhGroup.Modp4096 => Modp4096.Value,
        _ => throw new ArgumentOutOfRangeException(nameof(group)),
    };

    /// <summary>
    /// RFC 2631 §2.1.5 / SP 800-56A: 1 &lt; y &lt; p-1 rejects the degenerate values 0, 1 and p-1 (and anything
    /// not reduced). Big-endian values of equal length compare like byte strings; y is public, so no constant time.
    /// </summary>
    public bool IsValidPublicValue(ReadOnlySpan<byte> value)
    {
        if (value.Length != PrimeLength || value.SequenceCompareTo(_primeMinusOne) >= 0)
        {
            return false;
        }

        return value[..^1].ContainsAnyExcept((byte)0) || value[^1] > 1;
    }

    private static void Check(bool succeeded)
    {
        if (!succeeded)
        {
            throw new CryptographicException("libcrypto failed to set up a MODP group.");
        }
    }
}
