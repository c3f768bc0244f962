using System.Security.Cryptography;
using Rampart.Core.Algorithms;
using Rampart.Ike.Interop;

namespace Rampart.Ike.Crypto;

/// <summary>
/// Finite-field DH over the RFC 2409 (groups 1, 2) and RFC 3526 (groups 14, 15, 16) primes, generator 2, with
/// OpenSSL's constant-time Montgomery exponentiation (.NET has no MODP DH, and BigInteger.ModPow leaks timing).
/// Groups 1 and 2 are legacy, used only when a policy names them.
/// </summary>
public sealed class ModpDiffieHellman : IDiffieHellman
{
    private readonly ModpGroup _group;
    private readonly SafeBigNumHandle _privateExponent;
    private readonly byte[] _publicValue;

    public ModpDiffieHellman(DhGroup group)
    {
        Group = group;
        _group = ModpGroup.For(group);
        _privateExponent = NewPrivateExponent(_group.ExponentBits);
        using var context = NewContext();
        using var publicValue = LibCrypto.BigNumNew();
        if (publicValue.IsInvalid
            || LibCrypto.ModExpConstantTime(publicValue, _group.Generator, _privateExponent, _group.Prime, context, _group.Montgomery) != 1)
        {
            _privateExponent.Dispose();
            throw new CryptographicException("libcrypto failed to compute a MODP public value.");
        }

        _publicValue = new byte[_group.PrimeLength];
        LibCrypto.BigNumToPaddedBytes(publicValue, _publicValue, _publicValue.Length);
    }

    public DhGroup Group { get; }

    public ReadOnlySpan<byte> PublicValue => _publicValue;

    /// <summary>The group's prime, big-endian (for tests against the RFC text).</summary>
    public static byte[] Prime(DhGroup group) => (byte[])ModpGroup.For(group).PrimeBytes.Clone();

    public bool TryComputeSharedSecret(ReadOnlySpan<byte> peerPublicValue, out byte[] sharedSecret)
    {
        sharedSecret = [];
        if (!_group.IsValidPublicValue(peerPublicValue))
        {
            return false;
        }

        using var context = NewContext();
        using var peer = LibCrypto.BigNumNew();
        using var shared = LibCrypto.BigNumNew();
        if (peer.IsInvalid || shared.IsInvalid
            || LibCrypto.BigNumFromBytes(peerPublicValue, peerPublicValue.Length, peer) == IntPtr.Zero
            || LibCrypto.ModExpConstantTime(shared, peer, _privateExponent, _group.Prime, context, _group.Montgomery) != 1)
        {
            return false;
        }

        var secret = new byte[_group.PrimeLength];
        if (LibCrypto.BigNumToPaddedBytes(shared, secret, secret.Length) != secret.Length)
        {
            CryptographicOperations.ZeroMemory(secret);
            return false;
        }

        sharedSecret = secret;
        return true;
    }

    public void Dispose() => _privateExponent.Dispose();

    /// <summary>A uniformly random exponent of exactly <paramref name="bits"/> bits, flagged for constant-time use.</summary>
    private static SafeBigNumHandle NewPrivateExponent(int bits)
    {
        Span<byte> bytes = stackalloc byte[(bits + 7) / 8];
        RandomNumberGenerator.Fill(bytes);
        var unusedBits = (bytes.Length * 8) - bits;
        bytes[0] &= (byte)(0xFF >> unusedBits);
        bytes[0] |= (byte)(0x80 >> unusedBits);
        var exponent = LibCrypto.BigNumNew();
        var loaded = !exponent.IsInvalid && LibCrypto.BigNumFromBytes(bytes, bytes.Length, exponent) != IntPtr.Zero;
        CryptographicOperations.ZeroMemory(bytes);
        if (!loaded)
        {
            exponent.Dispose();
            throw new CryptographicException("libcrypto failed to load a MODP private exponent.");
        }

        LibCrypto.BigNumSetFlags(exponent, LibCrypto.ConstantTimeFlag);
        return exponent;
    }

    private static SafeBigNumContextHandle NewContext()
    {
        var context = LibCrypto.BigNumContextNew();
        if (context.IsInvalid)
        {
            context.Dispose();
            throw new CryptographicException("libcrypto failed to allocate a BN_CTX.");
        }

        return context;
    }
}
