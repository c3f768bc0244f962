namespace Rampart.Core.Policy;

public enum FilterActionKind
{
    Permit,
    Block,
    Negotiate,
}

/// <summary>
/// What to do with matching packets. For Negotiate: the ordered security methods offered, whether inbound clear
/// traffic is accepted (always responding with IPsec), whether to fall back to clear with non-IPsec-aware computers,
/// and whether session keys use PFS.
/// </summary>
public sealed record FilterAction(
    string Name,
    string Description,
    FilterActionKind Kind,
    EquatableList<SecurityMethod> SecurityMethods,
    bool AcceptUnsecured = false,
    bool AllowFallbackToClear = false,
    bool SessionKeyPfs = false);
