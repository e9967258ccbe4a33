/**
 * Word ids for the captioner, the LM and the edit classifier. Id 0 pads, 1 begins, 2 ends a sentence,
 * 3 stands for a word outside the vocabulary; words follow in order of first appearance.
 */
export const PAD = 0;
export const BOS = 1;
export const EOS = 2;
export const UNK = 3;

export class Vocabulary {
  readonly words: string[] = ['<pad>', '<bos>', '<eos>', '<unk>'];
  private readonly index = new Map<string, number>(this.words.map((w, i) => [w, i]));

  constructor(sentences: Iterable<string> = []) {
    for (const s of sentences) for (const w of s.split(' ')) if (w && !this.index.has(w)) this.add(w);
  }

  private add(word: string): void {
    this.index.set(word, this.words.length);
    this.words.push(word);
  }

  get size(): number {
    return this.words.length;
  }

  id(word: string): number {
    return this.index.get(word) ?? UNK;
  }

  encode(sentence: string): number[] {
    return sentence.split(' ').filter(Boolean).map((w) => this.id(w));
  }

  decode(ids: readonly number[]): string {
    const out: string[] = [];
    for (const id of ids) {
      if (id === EOS) break;
      if (id === PAD || id === BOS) continue;
      out.push(this.words[id]);
    }
    return out.join(' ');
  }
}
