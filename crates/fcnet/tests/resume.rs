//! On real CIFAR-10 (skipped, saying so, when it is not installed): a run saved by its callback
//! with the loop state after any iteration, loaded from the file and continued, ends with a
//! checkpoint byte-identical to the uninterrupted run's and the same history bit for bit — for the
//! two-layer net (plain SGD, the notebook's schedule), an fc net with Adam, batchnorm and dropout
//! (the Solver, best parameters restored), and an fc net with the best recipe's knobs (AdamW's
//! weight decay, the cosine schedule with warm-up, label smoothing, augmented minibatches). A self-contained checkpoint classifies raw RGB images
//! without the dataset exactly as evaluation on the split does.

use std::collections::BTreeMap;
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};

use handgrad_cifar::Augment;
use handgrad_cifar::{IMAGE_BYTES, SplitConfig};
use handgrad_data::locate;
use handgrad_fcnet::{CifarData, InputSpec, ModelKind, Outcome, Recipe, Resumed, Schedule, Trained, train_from};
use handgrad_nn::optim::UpdateKind;
use handgrad_nn::solver::{Dataset, History};
use handgrad_tensor::Par;

fn cifar() -> Option<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    match locate::cifar10(&locate::datasets_dir(&root)) {
        Ok(dir) => Some(dir),
        Err(e) => {
            println!("SKIPPED (real data needed): {e}");
            None
        }
    }
}

/// 2,000 training and 500 validation images.
fn data(dir: &Path) -> CifarData {
    CifarData::open(dir, SplitConfig { train: 2000, val: 500, ..SplitConfig::default() }).unwrap()
}

fn recipe(model: ModelKind) -> Recipe {
    let mut r = Recipe::defaults(model);
    (r.train_rows, r.val_rows, r.batch_size, r.iters) = (2000, 500, 100, 60); // 20 iterations per epoch
    r.seed = 3;
    if model == ModelKind::TwoLayer {
        r.hidden = vec![40];
    } else {
        (r.hidden, r.update, r.dropout, r.batchnorm) = (vec![50, 30], UpdateKind::Adam, 0.2, true);
    }
    r
}

/// The fc recipe with AdamW, the cosine schedule (warm-up half an epoch), label smoothing and
/// crop-and-flip augmentation.
fn modern_recipe() -> Recipe {
    let mut r = recipe(ModelKind::Fc);
    (r.update, r.weight_decay, r.schedule, r.warmup) = (UpdateKind::AdamW, 0.05, Schedule::Cosine, 0.5);
    (r.label_smoothing, r.augment) = (0.1, Augment::crop_flip(4));
    r
}

/// Trains `recipe` to the end, from `resume` when given; with `stop_after`, saves the run (loop
/// state included) to that file after that iteration and stops.
fn run(
    recipe: &Recipe,
    data: &CifarData,
    resume: Option<Resumed<f32>>,
    stop_after: Option<(usize, &Path)>,
) -> Outcome<f32> {
    let spec = InputSpec::of(data, recipe.layout);
    train_from::<f32>(recipe, data, resume, |live| match stop_after {
        Some((t, path)) if live.progress.iteration == t => {
            live.save(path, &spec, true, &BTreeMap::new()).unwrap();
            ControlFlow::Break(())
        }
        _ => ControlFlow::Continue(()),
    })
    .unwrap()
}

fn loss_bits(h: &History) -> Vec<u64> {
    h.loss.iter().map(|l| l.to_bits()).collect()
}

#[test]
fn a_run_saved_after_any_iteration_and_resumed_ends_byte_identical() {
    let Some(dir) = cifar() else { return };
    let data = data(&dir);
    let tmp = tempfile::tempdir().unwrap();
    let recipes = [recipe(ModelKind::TwoLayer), recipe(ModelKind::Fc), modern_recipe()];
    for (k, recipe) in recipes.iter().enumerate() {
        let name = format!("{}-{k}", recipe.model.name());
        let spec = InputSpec::of(&data, recipe.layout);
        let whole = run(recipe, &data, None, None);
        assert!(whole.finished);
        let want = tmp.path().join(format!("{name}-whole.safetensors"));
        whole.model.save_with(&want, &spec, &BTreeMap::new()).unwrap();
        // Inside the first epoch, right after a check, at an epoch end, and the next iteration.
        for stop in [6, 20, 39, 40] {
            let last = tmp.path().join(format!("{name}-last-{stop}.safetensors"));
            let cut = run(recipe, &data, None, Some((stop, &last)));
            assert!(!cut.finished && cut.history.loss.len() == stop + 1);
            let resumed = Resumed::<f32>::load(&last).unwrap();
            assert_eq!(resumed.state.done(), stop + 1);
            let end = run(recipe, &data, Some(resumed), None);
            assert!(end.finished);
            let got = tmp.path().join(format!("{name}-resumed-{stop}.safetensors"));
            end.model.save_with(&got, &spec, &BTreeMap::new()).unwrap();
            let what = format!("{name} stopped after iteration {stop}");
            let first = end.history.loss.iter().zip(&whole.history.loss).position(|(a, b)| a.to_bits() != b.to_bits());
            assert_eq!(first, None, "first differing loss: {what}");
            assert_eq!(loss_bits(&end.history), loss_bits(&whole.history), "losses: {what}");
            assert!(std::fs::read(&got).unwrap() == std::fs::read(&want).unwrap(), "checkpoint bytes differ: {what}");
            assert_eq!(end.history, whole.history, "history: {what}");
            assert_eq!(end.val_acc, whole.val_acc);
        }
    }
}

#[test]
fn a_resume_against_another_recipe_is_refused() {
    let Some(dir) = cifar() else { return };
    let data = data(&dir);
    let tmp = tempfile::tempdir().unwrap();
    let last = tmp.path().join("last.safetensors");
    let r = recipe(ModelKind::Fc);
    run(&r, &data, None, Some((5, &last)));
    let refused = |other: &Recipe| {
        let resumed = Resumed::<f32>::load(&last).unwrap();
        train_from::<f32>(other, &data, Some(resumed), |_| ControlFlow::Continue(())).unwrap_err().to_string()
    };
    let mut other = r.clone();
    other.hidden = vec![50, 20];
    assert!(refused(&other).contains("another architecture"));
    let mut other = r.clone();
    other.batch_size = 50;
    assert!(refused(&other).contains("iterations per epoch"));
    assert!(refused(&recipe(ModelKind::TwoLayer)).contains("fully connected net"));
    // A final model has no loop state.
    let final_model = tmp.path().join("model.safetensors");
    let outcome = run(&r, &data, None, None);
    outcome.model.save_with(&final_model, &InputSpec::of(&data, r.layout), &BTreeMap::new()).unwrap();
    let err = Resumed::<f32>::load(&final_model).unwrap_err().to_string();
    assert!(err.contains("not a checkpoint to resume from"), "{err}");
}

#[test]
fn a_self_contained_checkpoint_classifies_rgb_images_as_evaluation_does() {
    let Some(dir) = cifar() else { return };
    let data = data(&dir);
    let tmp = tempfile::tempdir().unwrap();
    for model in ModelKind::ALL {
        let r = recipe(model);
        let mut outcome = run(&r, &data, None, None);
        let path = tmp.path().join(format!("{}.safetensors", model.name()));
        outcome.model.save_with(&path, &InputSpec::of(&data, r.layout), &BTreeMap::new()).unwrap();
        // What evaluation on the validation split predicts.
        let pre = data.preprocess::<f32>(r.layout);
        let (_, val, _) = data.samples(&pre);
        let (want, labels) = outcome.model.predictions(&val, Par::Seq);
        // The checkpoint alone: its spec, the validation images as RGB bytes.
        let (mut net, ckpt) = Trained::<f32>::load(&path).unwrap();
        let spec = InputSpec::read(&ckpt).unwrap().expect("a self-contained checkpoint");
        let fresh = InputSpec::of(&data, r.layout);
        assert!(spec.mean.chw() == fresh.mean.chw(), "the stored mean is the dataset's, bit for bit");
        assert_eq!(
            (spec.layout, spec.scale, spec.train_rows, &spec.classes),
            (fresh.layout, 1.0, 2000, &fresh.classes)
        );
        assert_eq!(spec.classes.len(), 10);
        let images: Vec<Vec<u8>> = val
            .rows()
            .map(|i| {
                let mut rgb = vec![0u8; IMAGE_BYTES];
                data.set.train.record(i).write_rgb(&mut rgb);
                rgb
            })
            .collect();
        let x = InputSpec::rows::<f32>(&spec.preprocess(), &images);
        let p = net.probabilities(&x, Par::Seq);
        let got: Vec<usize> = (0..p.rows())
            .map(|i| (0..10).fold(0, |best, c| if p.get(i, c) > p.get(i, best) { c } else { best }))
            .collect();
        assert_eq!(got, want, "{}: predictions from RGB differ from evaluation", model.name());
        let acc = got.iter().zip(&labels).filter(|(a, b)| a == b).count() as f64 / labels.len() as f64;
        assert!(acc > 0.2, "{}: {acc} on validation (10 classes: chance is 0.1)", model.name());
        assert!((0..p.rows()).all(|i| ((0..10).map(|c| p.get(i, c)).sum::<f64>() - 1.0).abs() < 1e-12));
        // A checkpoint written without a spec (the old format) has none.
        let old = tmp.path().join("old.safetensors");
        outcome.model.save(&old, &BTreeMap::new()).unwrap();
        assert!(InputSpec::read(&Trained::<f32>::load(&old).unwrap().1).unwrap().is_none());
        assert_eq!(val.len(), 500);
    }
}
