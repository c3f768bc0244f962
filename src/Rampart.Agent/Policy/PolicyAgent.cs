using System.Net;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Rampart.Agent.Control;
using Rampart.Core.Filtering;
using Rampart.Core.Policy;
using Rampart.Store;

namespace Rampart.Agent.Policy;

/// <summary>
/// The policy agent: follows the store and enforces the assigned policy. It re-reads the store whenever its
/// generation changes (the CLI also pokes it through <c>policy.reload</c>, which answers once the change is in force,
/// so a command such as <c>policy assign</c> returns with the policy enforced), compiles the policy and hands it to the
/// agent's loop, which puts it in force in the data path, IKE and the netfilter chains as one event; the pass ends once
/// it is. Nothing restarts. When the store cannot be opened or read, or the policy
/// cannot be applied, the last policy applied stays in force (the data path drops what is not exempt if there was
/// none), the reason is published for <c>rampart agent status</c>, and the next pass tries again. A DNS name of a
/// filter that did not resolve is retried every 30 seconds; when the answer changes the policy is compiled and applied
/// again (meanwhile the compiler keeps the traffic that may be meant for the name from passing in clear).
/// </summary>
public sealed partial class PolicyAgent(
    AgentOptions options,
    IPolicyEnforcer enforcer,
    PolicyState state,
    HostExemptions exemptions,
    ControlDispatcher dispatcher,
    AgentLifecycle lifecycle,
    TimeProvider timeProvider,
    HostNameResolver resolver,
    ILogger<PolicyAgent> logger) : BackgroundService
{
    /// <summary>How often DNS names that did not resolve are tried again.</summary>
    public static readonly TimeSpan NameRetryInterval = TimeSpan.FromSeconds(30);

    private static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan ReloadAnswerLimit = TimeSpan.FromSeconds(4);
    private readonly SemaphoreSlim _reload = new(0);

    private bool _saidNoPolicy;
    private string? _lastFailure;
    private DateTimeOffset? _nameRetryAt;

    // Completed when the next pass over the store ends: a pass that starts after a reload request sees its change.
    private TaskCompletionSource _nextPass = new(TaskCreationOptions.RunContinuationsAsynchronously);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        dispatcher.Register("policy.reload", async cancellationToken =>
        {
            var pass = Volatile.Read(ref _nextPass).Task;
            _reload.Release();
            try
            {
                await pass.WaitAsync(ReloadAnswerLimit, timeProvider, cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                // A slow store: the change still applies on the next pass; the CLI must not hang on it.
            }

            return Status();
        });
        dispatcher.Register("policy.status", _ => ValueTask.FromResult<object?>(Status()));
        var applied = -1L;
        lifecycle.OnRestart(() =>
        {
            // The loop clears the bindings; the policy is read and applied afresh.
            Interlocked.Exchange(ref applied, -1);
            _reload.Release();
        });

        SqlitePolicyStore? store = null;
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                var pass = Interlocked.Exchange(ref _nextPass, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
                var applying = false;
                try
                {
                    store ??= SqlitePolicyStore.Open(options.Home);
                    var generation = store.ReadGeneration();
                    if (generation != Interlocked.Read(ref applied))
                    {
                        var snapshot = store.Load();
                        applying = true;
                        await ApplyAsync(snapshot, generation, stoppingToken).ConfigureAwait(false);
                        Interlocked.Exchange(ref applied, generation);
                    }
                    else if (_nameRetryAt is { } due && timeProvider.GetUtcNow() >= due)
                    {
                        applying = true;
                        await RetryNamesAsync(store.Load(), generation, stoppingToken).ConfigureAwait(false);
                    }

                    _lastFailure = null;
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    // A locked or unreadable store must not stop enforcement of the policy already applied; a store
                    // replaced or repaired meanwhile is opened afresh on the next pass.
                    store?.Dispose();
                    store = null;
                    Interlocked.Exchange(ref applied, -1); // once readable again, applied afresh: that ends the failed state
                    Failed(applying ? "cannot apply the policy" : "cannot read the policy store " + Path.Combine(options.Home, StoreLocation.DatabaseFileName), e);
                }
                finally
                {
                    pass.TrySetResult();
                }

                // Wake on the poll interval, or at once when the CLI says the store changed.
                using var tick = new CancellationTokenSource(PollInterval, timeProvider);
                using var linked = CancellationTokenSource.CreateLinkedTokenSource(tick.Token, stoppingToken);
                try
                {
                    await _reload.WaitAsync(linked.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
                {
                }
            }
        }
        finally
        {
            store?.Dispose();
        }
    }

    /// <summary>Publishes why the policy is not (or no longer) applied; logged once per distinct reason, not every pass.</summary>
    private void Failed(string stage, Exception e)
    {
        var reason = $"{stage}: {e.Message.TrimEnd('.')}";
        state.ReportFailure(reason);
        if (reason != _lastFailure)
        {
            _lastFailure = reason;
            LogApplyFailed(reason, e);
        }
    }

    /// <summary>Compiles and applies the store's current assignment; also used after an agent restart.</summary>
    private Task ApplyAsync(PolicySnapshot snapshot, long generation, CancellationToken cancellationToken)
    {
        var host = HostAddresses.Discover();
        var compiled = FilterCompiler.Compile(snapshot, host.Unicast, exemptions.For(host), resolver.Resolve, out var warnings);
        return InstallAsync(snapshot, host, compiled, generation, warnings, cancellationToken);
    }

    /// <summary>Resolves the policy's names again; applies the policy again only when the answer changed.</summary>
    private async Task RetryNamesAsync(PolicySnapshot snapshot, long generation, CancellationToken cancellationToken)
    {
        var host = HostAddresses.Discover();
        var compiled = FilterCompiler.Compile(snapshot, host.Unicast, exemptions.For(host), resolver.Resolve, out var warnings);
        if (compiled.UnresolvedNames.SequenceEqual(state.Current.Compiled.UnresolvedNames))
        {
            _nameRetryAt = timeProvider.GetUtcNow() + NameRetryInterval;
            return;
        }

        LogNamesRetried(compiled.UnresolvedNames.Count);
        await InstallAsync(snapshot, host, compiled, generation, warnings, cancellationToken).ConfigureAwait(false);
    }

    private async Task InstallAsync(PolicySnapshot snapshot, HostAddresses host, CompiledPolicy compiled, long generation, IReadOnlyList<string> warnings, CancellationToken cancellationToken)
    {
        foreach (var warning in warnings)
        {
            LogCompileWarning(warning);
        }

        _nameRetryAt = compiled.UnresolvedNames.Count > 0 ? timeProvider.GetUtcNow() + NameRetryInterval : null;
        await enforcer.ApplyAsync(new AppliedPolicy(snapshot, snapshot.AssignedPolicy, compiled, host, generation), cancellationToken).ConfigureAwait(false);
        if (compiled.IsAssigned)
        {
            _saidNoPolicy = false;
            LogApplied(compiled.PolicyName, compiled.Filters.Filters.Count, compiled.Filters.ShapeCount, host.Unicast);
        }
        else if (!_saidNoPolicy)
        {
            // Said at start and when a policy is unassigned, not again for each edit of objects no policy in force uses.
            _saidNoPolicy = true;
            LogNoPolicy();
        }
    }

    private PolicyStatus Status() => PolicyStatus.Of(state);

    public override void Dispose()
    {
        _reload.Dispose();
        base.Dispose();
    }

    [LoggerMessage(EventId = 300, Level = LogLevel.Information, Message = "Policy '{Policy}' applied: {Filters} filters in {Shapes} shapes; my addresses {Addresses}")]
    private partial void LogApplied(string policy, int filters, int shapes, IReadOnlyList<IPAddress> addresses);

    [LoggerMessage(EventId = 301, Level = LogLevel.Information, Message = "No policy assigned: traffic passes unfiltered")]
    private partial void LogNoPolicy();

    [LoggerMessage(EventId = 302, Level = LogLevel.Warning, Message = "Policy compile: {Warning}")]
    private partial void LogCompileWarning(string warning);

    [LoggerMessage(EventId = 303, Level = LogLevel.Error, Message = "Policy not applied ({Reason}); the previous policy stays in force, or with none, traffic that is not exempt is dropped")]
    private partial void LogApplyFailed(string reason, Exception exception);

    [LoggerMessage(EventId = 304, Level = LogLevel.Information, Message = "DNS names retried: the answer changed ({Unresolved} still unresolved); policy applied again")]
    private partial void LogNamesRetried(int unresolved);
}

/// <summary>
/// The policy in force (after a failure: the last one applied, which stays in force), and in <c>State</c> whether a
/// policy decision is in force at all, <c>Reason</c> saying why not; <c>UnresolvedNames</c>, which DNS names of its
/// filters did not resolve (retried every 30 s).
/// </summary>
public sealed record PolicyStatus(string? AssignedPolicy, long Generation, int Filters, IReadOnlyList<string> MyAddresses, PolicyEnforcementState State, string? Reason, IReadOnlyList<string> UnresolvedNames)
{
    public static PolicyStatus Of(PolicyState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        var current = state.Current;
        var enforcement = state.Enforcement;
        return new PolicyStatus(
            current.Policy?.Name, current.Generation, current.Compiled.Filters.Filters.Count, [.. current.Host.Unicast.Select(a => a.ToString())],
            enforcement.State, enforcement.Reason, [.. current.Compiled.UnresolvedNames.Select(n => n.ToString())]);
    }
}
