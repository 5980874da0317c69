import { test } from 'node:test';
import assert from 'node:assert/strict';
import { allFindings } from './model.js';
import { renderJunit, xmlEscape } from './junit.js';
import { fixtureReport } from './testing.js';

interface XmlElement { name: string; attrs: Record<string, string>; children: XmlElement[]; text: string }

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
function decode(s: string): string {
  assert.ok(!/[<]/.test(s), `raw < in ${JSON.stringify(s)}`);
  return s.replace(/&([a-z]+);|&/g, (m, name: string | undefined) => {
    assert.ok(name && ENTITIES[name], `bare or unknown entity in ${JSON.stringify(s)}`);
    return ENTITIES[name!];
  });
}

/** A strict little XML reader (elements, quoted attributes, the five entities): enough to prove well-formedness. */
function parseXml(xml: string): XmlElement {
  assert.ok(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n'));
  assert.ok(!/[\x00-\x08\x0b\x0c\x0e-\x1f]/.test(xml), 'no character XML 1.0 forbids');
  const token = /<\/([\w-]+)\s*>|<([\w-]+)((?:\s+[\w-]+="[^"<]*")*)\s*(\/?)>|([^<]+)/gy;
  const root: XmlElement = { name: '#document', attrs: {}, children: [], text: '' };
  const stack = [root];
  let pos = xml.indexOf('\n') + 1;
  token.lastIndex = pos;
  let m: RegExpExecArray | null;
  while (pos < xml.length && (m = token.exec(xml))) {
    pos = token.lastIndex;
    const top = stack[stack.length - 1];
    if (m[1]) {
      assert.equal(m[1], top.name, 'closing tag matches');
      stack.pop();
    } else if (m[2]) {
      const attrs: Record<string, string> = {};
      for (const a of m[3].matchAll(/([\w-]+)="([^"]*)"/g)) {
        assert.ok(!(a[1] in attrs), 'no duplicate attribute');
        attrs[a[1]] = decode(a[2]);
      }
      const el = { name: m[2], attrs, children: [], text: '' };
      top.children.push(el);
      if (!m[4]) stack.push(el);
    } else {
      top.text += decode(m[5]);
    }
  }
  assert.equal(pos, xml.length, `unparsable XML at ${JSON.stringify(xml.slice(pos, pos + 60))}`);
  assert.equal(stack.length, 1, 'every element closed');
  assert.equal(root.children.length, 1);
  return root.children[0];
}

test('well-formed JUnit XML: a testsuite per cluster and node, a testcase per finding', () => {
  const report = fixtureReport();
  const root = parseXml(renderJunit(report));
  assert.equal(root.name, 'testsuites');
  assert.deepEqual(root.children.map((s) => s.attrs.name), ['cluster prod', 'node pve1', 'node pve2', 'node lab1', 'target ssh://root@pve9']);
  const cases = root.children.flatMap((s) => s.children.filter((c) => c.name === 'testcase'));
  assert.equal(cases.length, allFindings(report).length + 1, 'one per finding, plus the failed target');
  assert.equal(Number(root.attrs.tests), cases.length);
});

test('FAIL -> <failure>, SKIP -> <skipped>, failed target -> <error>; counts add up per suite', () => {
  const root = parseXml(renderJunit(fixtureReport()));
  for (const suite of root.children) {
    const cases = suite.children.filter((c) => c.name === 'testcase');
    const count = (tag: string) => cases.filter((c) => c.children.some((x) => x.name === tag)).length;
    assert.equal(Number(suite.attrs.tests), cases.length, suite.attrs.name);
    assert.equal(Number(suite.attrs.failures), count('failure'), suite.attrs.name);
    assert.equal(Number(suite.attrs.skipped), count('skipped'), suite.attrs.name);
    assert.equal(Number(suite.attrs.errors), count('error'), suite.attrs.name);
  }
  const pve2 = root.children.find((s) => s.attrs.name === 'node pve2')!;
  const failure = pve2.children.find((c) => c.attrs.name === 'SSH-02 Password authentication is disabled')!.children[0];
  assert.equal(failure.name, 'failure');
  assert.equal(failure.attrs.message, 'PasswordAuthentication yes');
  assert.equal(failure.attrs.type, 'critical');
  assert.match(failure.text, /sshd -T:6: passwordauthentication yes/);
  const lab1 = root.children.find((s) => s.attrs.name === 'node lab1')!;
  assert.equal(lab1.children.find((c) => c.attrs.name?.startsWith('SSH-02'))!.children[0].name, 'skipped');
  assert.equal(Number(root.attrs.failures), 1);
  assert.equal(Number(root.attrs.errors), 1);
  assert.equal(root.attrs.skipped, undefined, 'not an attribute of <testsuites> in the JUnit schema');
  assert.equal(root.children.reduce((n, s) => n + Number(s.attrs.skipped), 0), 5);
});

test('text from the node is escaped: XML specials survive, forbidden characters are shown as \\xNN', () => {
  const root = parseXml(renderJunit(fixtureReport()));
  const pve1 = root.children.find((s) => s.attrs.name === 'node pve1')!;
  const krn = pve1.children.find((c) => c.attrs.name?.startsWith('KRN-03'))!;
  assert.match(krn.children[0].text, /users:\(\("x<&>'\\x1b\[2J"/);
  assert.equal(xmlEscape(`a<b>&"c'\x00\uD800`), 'a&lt;b&gt;&amp;&quot;c&apos;\\x00\\xd800');
});
