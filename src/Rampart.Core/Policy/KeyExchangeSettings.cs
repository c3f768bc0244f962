using Rampart.Core.Algorithms;

namespace Rampart.Core.Policy;

/// <summary>
/// Main mode settings of a policy: IKE SA lifetime, how many quick modes one main mode may key (0 = unlimited),
/// master key PFS (a new main mode for every quick mode) and the ordered IKE proposals.
/// </summary>
public sealed record KeyExchangeSettings(
    int MainModeLifetimeMinutes,
    int QuickModesPerMainMode,
    bool MasterKeyPfs,
    EquatableList<IkeSecurityMethod> Methods)
{
    public static readonly EquatableList<IkeSecurityMethod> DefaultMethods = EquatableList.Of(
        new IkeSecurityMethod(CipherAlgorithm.AesCbc256, IntegrityAlgorithm.Sha256, DhGroup.Ecp256),
        new IkeSecurityMethod(CipherAlgorithm.AesCbc128, IntegrityAlgorithm.Sha256, DhGroup.Modp2048));

    public static readonly KeyExchangeSettings Default = new(PolicyDefaults.MainModeLifetimeMinutes, 0, false, DefaultMethods);
}
