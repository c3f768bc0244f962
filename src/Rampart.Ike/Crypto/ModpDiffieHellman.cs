using Org.BouncyCastle.Crypto.Agreement;
using Org.BouncyCastle.Crypto.Generators;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Math;
using Org.BouncyCastle.Security;
using Rampart.Core.Algorithms;

namespace Rampart.Ike.Crypto;

/// <summary>
/// Finite-field DH over the RFC 2409 (groups 1, 2) and RFC 3526 (groups 14, 15, 16) primes, generator 2,
/// through BouncyCastle (.NET has no MODP DH). Groups 1 and 2 are legacy, used only when a policy names them.
/// </summary>
public sealed class ModpDiffieHellman : IDiffieHellman
{
    private static readonly SecureRandom Random = new();
    private static readonly DHParameters Modp768 = WithExponentBits(DHStandardGroups.rfc2409_768, 256);
    private static readonly DHParameters Modp1024 = WithExponentBits(DHStandardGroups.rfc2409_1024, 256);
    private static readonly DHParameters Modp2048 = WithExponentBits(DHStandardGroups.rfc3526_2048, 320);
    private static readonly DHParameters Modp3072 = WithExponentBits(DHStandardGroups.rfc3526_3072, 420);
    private static readonly DHParameters Modp4096 = WithExponentBits(DHStandardGroups.rfc3526_4096, 480);
    private readonly DHParameters _parameters;
    private readonly DHPrivateKeyParameters _privateKey;
    private readonly byte[] _publicValue;

    public ModpDiffieHellman(DhGroup group)
    {
        Group = group;
        _parameters = Parameters(group);
        var generator = new DHKeyPairGenerator();
        generator.Init(new DHKeyGenerationParameters(Random, _parameters));
        var pair = generator.GenerateKeyPair();
        _privateKey = (DHPrivateKeyParameters)pair.Private;
        _publicValue = ToFixedLength(((DHPublicKeyParameters)pair.Public).Y, PrimeLength);
    }

    public DhGroup Group { get; }

    public ReadOnlySpan<byte> PublicValue => _publicValue;

    private int PrimeLength => (_parameters.P.BitLength + 7) / 8;

    /// <summary>The group's prime, big-endian (for tests against the RFC text).</summary>
    public static byte[] Prime(DhGroup group)
    {
        var p = Parameters(group).P;
        return ToFixedLength(p, (p.BitLength + 7) / 8);
    }

    public bool TryComputeSharedSecret(ReadOnlySpan<byte> peerPublicValue, out byte[] sharedSecret)
    {
        sharedSecret = [];
        if (peerPublicValue.Length != PrimeLength)
        {
            return false;
        }

        var y = new BigInteger(1, peerPublicValue.ToArray());
        var pMinusOne = _parameters.P.Subtract(BigInteger.One);
        // RFC 2631 §2.1.5 / SP 800-56A: 1 < y < p-1 rejects the degenerate values 0, 1 and p-1.
        if (y.CompareTo(BigInteger.One) <= 0 || y.CompareTo(pMinusOne) >= 0)
        {
            return false;
        }

        try
        {
            var agreement = new DHBasicAgreement();
            agreement.Init(_privateKey);
            var z = agreement.CalculateAgreement(new DHPublicKeyParameters(y, _parameters));
            sharedSecret = ToFixedLength(z, PrimeLength);
            return true;
        }
        catch (ArgumentException)
        {
            return false;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    public void Dispose()
    {
    }

    private static DHParameters Parameters(DhGroup group) => group switch
    {
        DhGroup.Modp768 => Modp768,
        DhGroup.Modp1024 => Modp1024,
        DhGroup.Modp2048 => Modp2048,
        DhGroup.Modp3072 => Modp3072,
        DhGroup.Modp4096 => Modp4096,
        _ => throw new ArgumentOutOfRangeException(nameof(group)),
    };

    /// <summary>
    /// Same p and g, with a private exponent of twice the group's strength (RFC 3526 §8 table, upper end) instead of
    /// the prime's full length: several times faster, as strongSwan does. No q is given, so BouncyCastle does not
    /// run a full-size subgroup check per peer value; for these safe primes the range check above suffices.
    /// </summary>
    private static DHParameters WithExponentBits(DHParameters standard, int exponentBits) => new(standard.P, standard.G, null, exponentBits);

    private static byte[] ToFixedLength(BigInteger value, int length)
    {
        var bytes = value.ToByteArrayUnsigned();
        if (bytes.Length == length)
        {
            return bytes;
        }

        var padded = new byte[length];
        bytes.CopyTo(padded, length - bytes.Length);
        return padded;
    }
}
