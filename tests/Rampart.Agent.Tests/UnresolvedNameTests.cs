using System.Net;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Rampart.Agent.Control;
using Rampart.Agent.Policy;
using Rampart.Agent.Tests.Doubles;
using Rampart.Core.Filtering;
using Rampart.Core.Policy;
using Rampart.Store;

namespace Rampart.Agent.Tests;

/// <summary>The policy agent retries a DNS name that did not resolve every 30 s and applies the policy again once it does.</summary>
public sealed class UnresolvedNameTests : IDisposable
{
    private static readonly IPAddress Partner = IPAddress.Parse("198.51.100.9");

    private readonly TempHome _home = new();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 27, 12, 0, 0, TimeSpan.Zero));
    private volatile IPAddress[] _answer = [];
    private int _lookups;

    [Fact]
    public async Task UnresolvedName_IsReported_FailsClosed_AndRetriedUntilItResolves()
    {
        AssignPartnerPolicy("partner.example");
        await using var loop = new LoopAgent(IPAddress.Parse("192.0.2.1"), new InMemoryIkeNetwork(), _time);
        await loop.StartAsync();
        var state = loop.Policy;
        var engine = loop.DataPath;
        var dispatcher = new ControlDispatcher();
        using var agent = new PolicyAgent(
            new AgentOptions { Home = _home.Path }, loop.Inbox, state, new HostExemptions(), dispatcher, new AgentLifecycle(), _time,
            new HostNameResolver(Resolve), NullLogger<PolicyAgent>.Instance);
        await agent.StartAsync(CancellationToken.None);
        try
        {
            await WaitFor(() => state.Current.Compiled.IsAssigned);
            var status = PolicyStatus.Of(state);
            Assert.Contains("partner.example", Assert.Single(status.UnresolvedNames), StringComparison.Ordinal);
            Assert.Equal(FilterVerdict.Block, Classify(engine.Policy, Partner));
            var lookups = Volatile.Read(ref _lookups);

            // It resolves now, but the agent only asks again at the retry.
            _answer = [Partner];
            await Tick(TimeSpan.FromSeconds(10));
            Assert.Equal(lookups, Volatile.Read(ref _lookups));
            Assert.Equal(FilterVerdict.Block, Classify(engine.Policy, Partner));

            await Tick(PolicyAgent.NameRetryInterval);
            await WaitFor(() => state.Current.Compiled.UnresolvedNames.Count == 0);

            Assert.Equal(FilterVerdict.Negotiate, Classify(engine.Policy, Partner));
            Assert.Empty(PolicyStatus.Of(state).UnresolvedNames);
        }
        finally
        {
            await agent.StopAsync(CancellationToken.None);
        }
    }

    public void Dispose() => _home.Dispose();

    private IPAddress[] Resolve(string name)
    {
        Interlocked.Increment(ref _lookups);
        return name == "partner.example" ? _answer : [];
    }

    private static FilterVerdict? Classify(CompiledPolicy policy, IPAddress destination) =>
        policy.Filters.Classify(new FlowKey(AddressPrefix.ToNumber(IPAddress.Parse("192.0.2.1")).Value, AddressPrefix.ToNumber(destination).Value, false, 1, 0, 0), TrafficDirection.Outbound).Filter?.Verdict;

    private void AssignPartnerPolicy(string partner)
    {
        using var store = SqlitePolicyStore.Open(_home.Path);
        Assert.True(AddressSpec.TryParse(partner, out var destination, out _));
        Assert.True(AddressSpec.TryParse("192.0.2.0/24", out var source, out _)); // not "me": the test host's own addresses vary
        Edit(store, s => PolicyEditor.CreatePolicy(s, "Partner", "", defaultResponseRule: false));
        Edit(store, s => PolicyEditor.CreateFilterList(s, "Partner Filter", ""));
        Edit(store, s => PolicyEditor.AddFilter(s, "Partner Filter", new Filter(source, destination)));
        Edit(store, s => PolicyEditor.CreateFilterAction(s, new FilterAction("Partner Filter Action", "", FilterActionKind.Negotiate, SecurityMethod.Medium)));
        Edit(store, s => PolicyEditor.AddRule(s, "Partner", "Partner Filter", "Partner Filter Action", [new AuthenticationMethod.PreSharedKey("ABC123")], null));
        Edit(store, s => PolicyEditor.AssignPolicy(s, "Partner"));
    }

    private static void Edit(SqlitePolicyStore store, Func<PolicySnapshot, PolicyEdit> edit)
    {
        var result = store.Update(edit);
        Assert.True(result.Committed, string.Join("; ", result.Errors));
    }

    /// <summary>Moves the fake clock a second at a time, giving the agent's loop (woken by each tick) time to run its pass.</summary>
    private async Task Tick(TimeSpan span)
    {
        for (var passed = TimeSpan.Zero; passed < span; passed += TimeSpan.FromSeconds(1))
        {
            _time.Advance(TimeSpan.FromSeconds(1));
            await Task.Delay(20);
        }
    }

    private static async Task WaitFor(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "timed out");
            await Task.Delay(20);
        }
    }
}
