;; The CPU path's NMF kernel: one Lee–Seung iteration's pass over the samples for a batch of problems
;; (restarts of one k), in WebAssembly SIMD (f32x4, 4 samples per lane group). Hand-written because
;; the work is many tiny products (m ≤ 32 muscles, k ≤ 16) over a long sample axis, which neither
;; plain JS loops (no SIMD) nor a GEMM library (tiny inner dimension, one op per product) do well.
;; `npm run build:nmf-kernel` compiles this file into nmfKernelWasm.ts; src/lib/synergy/nmfSimd.ts
;; lays out the memory and does the per-iteration W update. Per sample j and problem (W, H, G = WᵀW):
;;
;;   phase A   h_j ← h_j ∘ (Wᵀe_j) / (G·h_j + ε)                    (Lee & Seung 2001, eq. 4)
;;   phase B   EHᵀ += e_j·h_jᵀ,  HHᵀ += h_j·h_jᵀ (lower triangle)      with the new h_j
;;
;; Samples go in blocks of `blockSamples`, and every problem of the batch takes its turn on a block
;; while that block of E is still in cache. Phase B sums a block in f32, then adds it to f64 totals.
;;
;; Memory (byte addresses, all 16-byte aligned; the caller owns the layout):
;;   E       [m, nPad] f32, each row padded with zeros to nPad, a multiple of 8 (as is blockSamples)
;;   scratch 2 · 16 v128: new H of 8 samples while phase A still reads the old ones
;;   problem descriptors, 32 bytes each: i32 k, wSplat, gSplat, h, eht, hht, active, unused
;;     wSplat  Wᵀ [k, m], each value splatted to a v128     gSplat  G [k, k], splatted
;;     h       H [k, nPad] f32 (zero in the padding, where it stays zero: 0 · 0 / ε)
;;     eht     (E·Hᵀ)ᵀ [k, m] f64      hht  H·Hᵀ [k, k] f64, lower triangle only; the caller zeroes both
;;   Problems with active = 0 (converged) are skipped.
(module
  (memory (export "memory") 1)

  (func $sumLanes (param $v v128) (result f64)
    (f64.add
      (f64.add (f64.promote_f32 (f32x4.extract_lane 0 (local.get $v))) (f64.promote_f32 (f32x4.extract_lane 1 (local.get $v))))
      (f64.add (f64.promote_f32 (f32x4.extract_lane 2 (local.get $v))) (f64.promote_f32 (f32x4.extract_lane 3 (local.get $v))))))

  ;; out += Σ a[t]·b[t] over `bytes` bytes (a multiple of 32), in two chains so adds overlap.
  (func $addDot (param $out i32) (param $a i32) (param $b i32) (param $bytes i32)
    (local $acc0 v128) (local $acc1 v128) (local $o i32)
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $o) (local.get $bytes)))
      (local.set $acc0 (f32x4.add (local.get $acc0)
        (f32x4.mul (v128.load (i32.add (local.get $a) (local.get $o))) (v128.load (i32.add (local.get $b) (local.get $o))))))
      (local.set $acc1 (f32x4.add (local.get $acc1)
        (f32x4.mul (v128.load offset=16 (i32.add (local.get $a) (local.get $o))) (v128.load offset=16 (i32.add (local.get $b) (local.get $o))))))
      (local.set $o (i32.add (local.get $o) (i32.const 32)))
      (br $next)))
    (f64.store (local.get $out)
      (f64.add (f64.load (local.get $out)) (call $sumLanes (f32x4.add (local.get $acc0) (local.get $acc1))))))

  ;; Phase A on samples [from, to) of one problem, 8 at a time (two f32x4 chains per sum).
  (func $updateH (param $e i32) (param $m i32) (param $rowBytes i32) (param $k i32) (param $wSplat i32) (param $gSplat i32)
                 (param $h i32) (param $scratch i32) (param $from i32) (param $to i32) (param $epsilon v128)
    (local $t i32) (local $r i32) (local $i i32) (local $coefficient i32) (local $x i32) (local $at i32)
    (local $c v128) (local $num0 v128) (local $num1 v128) (local $den0 v128) (local $den1 v128)
    (local.set $t (local.get $from))
    (block $samplesDone (loop $samples
      (br_if $samplesDone (i32.ge_u (local.get $t) (local.get $to)))
      (local.set $coefficient (local.get $wSplat))
      (local.set $r (i32.const 0))
      (block $synergiesDone (loop $synergies
        (br_if $synergiesDone (i32.ge_u (local.get $r) (local.get $k)))
        ;; numerator (Wᵀe)_r: W's column r runs along wSplat, E down its rows
        (local.set $num0 (v128.const f32x4 0 0 0 0))
        (local.set $num1 (v128.const f32x4 0 0 0 0))
        (local.set $x (i32.add (local.get $e) (i32.shl (local.get $t) (i32.const 2))))
        (local.set $i (i32.const 0))
        (block $musclesDone (loop $muscles
          (br_if $musclesDone (i32.ge_u (local.get $i) (local.get $m)))
          (local.set $c (v128.load (local.get $coefficient)))
          (local.set $num0 (f32x4.add (local.get $num0) (f32x4.mul (local.get $c) (v128.load (local.get $x)))))
          (local.set $num1 (f32x4.add (local.get $num1) (f32x4.mul (local.get $c) (v128.load offset=16 (local.get $x)))))
          (local.set $coefficient (i32.add (local.get $coefficient) (i32.const 16)))
          (local.set $x (i32.add (local.get $x) (local.get $rowBytes)))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br $muscles)))
        ;; denominator (G·h)_r with the old H
        (local.set $den0 (v128.const f32x4 0 0 0 0))
        (local.set $den1 (v128.const f32x4 0 0 0 0))
        (local.set $x (i32.add (local.get $h) (i32.shl (local.get $t) (i32.const 2))))
        (local.set $at (i32.add (local.get $gSplat) (i32.shl (i32.mul (local.get $r) (local.get $k)) (i32.const 4))))
        (local.set $i (i32.const 0))
        (block $gramDone (loop $gram
          (br_if $gramDone (i32.ge_u (local.get $i) (local.get $k)))
          (local.set $c (v128.load (local.get $at)))
          (local.set $den0 (f32x4.add (local.get $den0) (f32x4.mul (local.get $c) (v128.load (local.get $x)))))
          (local.set $den1 (f32x4.add (local.get $den1) (f32x4.mul (local.get $c) (v128.load offset=16 (local.get $x)))))
          (local.set $at (i32.add (local.get $at) (i32.const 16)))
          (local.set $x (i32.add (local.get $x) (local.get $rowBytes)))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br $gram)))
        (local.set $x (i32.add (i32.add (local.get $h) (i32.shl (local.get $t) (i32.const 2))) (i32.mul (local.get $r) (local.get $rowBytes))))
        (local.set $at (i32.add (local.get $scratch) (i32.shl (local.get $r) (i32.const 5))))
        (v128.store (local.get $at)
          (f32x4.div (f32x4.mul (v128.load (local.get $x)) (local.get $num0)) (f32x4.add (local.get $den0) (local.get $epsilon))))
        (v128.store offset=16 (local.get $at)
          (f32x4.div (f32x4.mul (v128.load offset=16 (local.get $x)) (local.get $num1)) (f32x4.add (local.get $den1) (local.get $epsilon))))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $synergies)))
      ;; every denominator has read the old h_j: now store the new one
      (local.set $r (i32.const 0))
      (block $storeDone (loop $store
        (br_if $storeDone (i32.ge_u (local.get $r) (local.get $k)))
        (local.set $x (i32.add (i32.add (local.get $h) (i32.shl (local.get $t) (i32.const 2))) (i32.mul (local.get $r) (local.get $rowBytes))))
        (local.set $at (i32.add (local.get $scratch) (i32.shl (local.get $r) (i32.const 5))))
        (v128.store (local.get $x) (v128.load (local.get $at)))
        (v128.store offset=16 (local.get $x) (v128.load offset=16 (local.get $at)))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $store)))
      (local.set $t (i32.add (local.get $t) (i32.const 8)))
      (br $samples))))

  ;; out0 += Σ a0[t]·b[t] and out1 (8 bytes on) += Σ a1[t]·b[t]: b is loaded once for both sums.
  (func $addDotPair (param $out0 i32) (param $a0 i32) (param $a1 i32) (param $b i32) (param $bytes i32)
    (local $acc0 v128) (local $acc1 v128) (local $acc2 v128) (local $acc3 v128) (local $o i32) (local $x v128) (local $y v128)
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $o) (local.get $bytes)))
      (local.set $x (v128.load (i32.add (local.get $b) (local.get $o))))
      (local.set $y (v128.load offset=16 (i32.add (local.get $b) (local.get $o))))
      (local.set $acc0 (f32x4.add (local.get $acc0) (f32x4.mul (v128.load (i32.add (local.get $a0) (local.get $o))) (local.get $x))))
      (local.set $acc1 (f32x4.add (local.get $acc1) (f32x4.mul (v128.load offset=16 (i32.add (local.get $a0) (local.get $o))) (local.get $y))))
      (local.set $acc2 (f32x4.add (local.get $acc2) (f32x4.mul (v128.load (i32.add (local.get $a1) (local.get $o))) (local.get $x))))
      (local.set $acc3 (f32x4.add (local.get $acc3) (f32x4.mul (v128.load offset=16 (i32.add (local.get $a1) (local.get $o))) (local.get $y))))
      (local.set $o (i32.add (local.get $o) (i32.const 32)))
      (br $next)))
    (f64.store (local.get $out0)
      (f64.add (f64.load (local.get $out0)) (call $sumLanes (f32x4.add (local.get $acc0) (local.get $acc1)))))
    (f64.store offset=8 (local.get $out0)
      (f64.add (f64.load offset=8 (local.get $out0)) (call $sumLanes (f32x4.add (local.get $acc2) (local.get $acc3))))))

  ;; outputs[0 … count) += rows[0 … count) · b, row j at rows + j · rowBytes, two rows at a time.
  (func $addDots (param $outputs i32) (param $rows i32) (param $count i32) (param $rowBytes i32) (param $b i32) (param $bytes i32)
    (local $j i32)
    (block $pairsDone (loop $pairs
      (br_if $pairsDone (i32.ge_u (i32.add (local.get $j) (i32.const 1)) (local.get $count)))
      (call $addDotPair (i32.add (local.get $outputs) (i32.shl (local.get $j) (i32.const 3)))
        (i32.add (local.get $rows) (i32.mul (local.get $j) (local.get $rowBytes)))
        (i32.add (local.get $rows) (i32.mul (i32.add (local.get $j) (i32.const 1)) (local.get $rowBytes)))
        (local.get $b) (local.get $bytes))
      (local.set $j (i32.add (local.get $j) (i32.const 2)))
      (br $pairs)))
    (if (i32.lt_u (local.get $j) (local.get $count)) (then
      (call $addDot (i32.add (local.get $outputs) (i32.shl (local.get $j) (i32.const 3)))
        (i32.add (local.get $rows) (i32.mul (local.get $j) (local.get $rowBytes)))
        (local.get $b) (local.get $bytes)))))

  ;; Phase B on samples [from, to) of one problem: per synergy r, row r of (E·Hᵀ)ᵀ and of H·Hᵀ's lower triangle.
  (func $accumulate (param $e i32) (param $m i32) (param $rowBytes i32) (param $k i32) (param $h i32)
                    (param $eht i32) (param $hht i32) (param $from i32) (param $to i32)
    (local $r i32) (local $hRow i32) (local $bytes i32) (local $offset i32)
    (local.set $offset (i32.shl (local.get $from) (i32.const 2)))
    (local.set $bytes (i32.shl (i32.sub (local.get $to) (local.get $from)) (i32.const 2)))
    (block $synergiesDone (loop $synergies
      (br_if $synergiesDone (i32.ge_u (local.get $r) (local.get $k)))
      (local.set $hRow (i32.add (i32.add (local.get $h) (local.get $offset)) (i32.mul (local.get $r) (local.get $rowBytes))))
      (call $addDots (i32.add (local.get $eht) (i32.shl (i32.mul (local.get $r) (local.get $m)) (i32.const 3)))
        (i32.add (local.get $e) (local.get $offset)) (local.get $m) (local.get $rowBytes) (local.get $hRow) (local.get $bytes))
      (call $addDots (i32.add (local.get $hht) (i32.shl (i32.mul (local.get $r) (local.get $k)) (i32.const 3)))
        (i32.add (local.get $h) (local.get $offset)) (i32.add (local.get $r) (i32.const 1)) (local.get $rowBytes) (local.get $hRow) (local.get $bytes))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br $synergies))))

  ;; One iteration's pass over all samples for `count` problems described at `problems`.
  (func (export "iterate")
    (param $e i32) (param $m i32) (param $nPad i32) (param $problems i32) (param $count i32)
    (param $scratch i32) (param $blockSamples i32) (param $epsilon f32)
    (local $from i32) (local $to i32) (local $p i32) (local $d i32) (local $rowBytes i32) (local $epsilonLanes v128)
    (local.set $epsilonLanes (f32x4.splat (local.get $epsilon)))
    (local.set $rowBytes (i32.shl (local.get $nPad) (i32.const 2)))
    (block $blocksDone (loop $blocks
      (br_if $blocksDone (i32.ge_u (local.get $from) (local.get $nPad)))
      (local.set $to (i32.add (local.get $from) (local.get $blockSamples)))
      (if (i32.gt_u (local.get $to) (local.get $nPad)) (then (local.set $to (local.get $nPad))))
      (local.set $p (i32.const 0))
      (block $problemsDone (loop $eachProblem
        (br_if $problemsDone (i32.ge_u (local.get $p) (local.get $count)))
        (local.set $d (i32.add (local.get $problems) (i32.shl (local.get $p) (i32.const 5))))
        (if (i32.load offset=24 (local.get $d)) (then
          (call $updateH (local.get $e) (local.get $m) (local.get $rowBytes) (i32.load (local.get $d))
            (i32.load offset=4 (local.get $d)) (i32.load offset=8 (local.get $d)) (i32.load offset=12 (local.get $d))
            (local.get $scratch) (local.get $from) (local.get $to) (local.get $epsilonLanes))
          (call $accumulate (local.get $e) (local.get $m) (local.get $rowBytes) (i32.load (local.get $d))
            (i32.load offset=12 (local.get $d)) (i32.load offset=16 (local.get $d)) (i32.load offset=20 (local.get $d))
            (local.get $from) (local.get $to))))
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (br $eachProblem)))
      (local.set $from (local.get $to))
      (br $blocks))))
)
